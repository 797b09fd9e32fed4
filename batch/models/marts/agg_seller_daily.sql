-- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=seller_id
-- Sales per seller and purchase date, from the item facts.
WITH sales AS (
  SELECT * FROM {{ ref('int_fact_sales_affected') }}
),

seller_daily AS (
  SELECT
    purchase_date,
    seller_id,
    COUNT(DISTINCT order_id) AS order_count,
    COUNT(*) AS item_count,
    {{ money('SUM(price)') }} AS revenue,
    {{ money('SUM(freight_value)') }} AS freight_value,
    {{ money('SUM(allocated_payment)') }} AS allocated_payment
  FROM sales
  GROUP BY purchase_date, seller_id
)

SELECT * FROM seller_daily
