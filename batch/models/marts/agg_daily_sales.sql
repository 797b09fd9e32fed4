-- config: materialized=table publish=partitions partition_by=purchase_date
-- Sales per purchase date, from the order facts.
WITH orders AS (
  SELECT * FROM {{ ref('fact_orders') }}
),

daily AS (
  SELECT
    purchase_date,
    COUNT(*) AS order_count,
    COUNT(DISTINCT customer_unique_id) AS customer_count,
    SUM(item_count) AS item_count,
    {{ money('SUM(items_price)') }} AS revenue,
    {{ money('SUM(freight_value)') }} AS freight_value,
    {{ money('SUM(order_total)') }} AS order_total,
    {{ money('SUM(payment_value)') }} AS payment_value,
    {{ money('ROUND(SUM(order_total) / COUNT(*), 2)') }} AS avg_order_value
  FROM orders
  GROUP BY purchase_date
)

SELECT * FROM daily
