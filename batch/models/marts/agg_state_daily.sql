-- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=customer_state
-- Sales per customer state and purchase date (local), from the order facts of the affected dates;
-- orders_with_items is the divisor of any average per order.
WITH orders AS (
  SELECT * FROM {{ ref('int_fact_orders_affected') }}
),

state_daily AS (
  SELECT
    purchase_date,
    customer_state,
    COUNT(*) AS order_count,
    COUNT(CASE WHEN item_count > 0 THEN 1 END) AS orders_with_items,
    COUNT(DISTINCT customer_unique_id) AS customer_count,
    {{ money('SUM(items_price)') }} AS revenue,
    {{ money('SUM(order_total)') }} AS order_total,
    {{ money('SUM(payment_value)') }} AS payment_value
  FROM orders
  GROUP BY purchase_date, customer_state
)

SELECT * FROM state_daily
