-- config: materialized=view
-- Sales per seller over all published days, with the seller's place.
WITH seller_daily AS (
  SELECT * FROM {{ ref('agg_seller_daily') }}
),

sellers AS (
  SELECT * FROM {{ ref('dim_sellers') }}
),

totals AS (
  SELECT seller_id, SUM(order_count) AS orders, SUM(item_count) AS items_sold, {{ money('SUM(revenue)') }} AS revenue,
    {{ money('SUM(allocated_payment)') }} AS payments
  FROM seller_daily
  GROUP BY seller_id
),

by_seller AS (
  SELECT totals.*, sellers.seller_city, sellers.seller_state
  FROM totals
  LEFT JOIN sellers ON totals.seller_id = sellers.seller_id
)

SELECT * FROM by_seller
