-- config: materialized=table publish=partitions partition_by=purchase_date
-- Sales per purchase date (local), from the order facts of the affected dates. Every order counts in
-- order_count; averages per order divide by the orders that have items (an item-less canceled or
-- unavailable order is not an order of value 0).
WITH orders AS (
  SELECT * FROM {{ ref('int_fact_orders_affected') }}
),

daily AS (
  SELECT
    purchase_date,
    COUNT(*) AS order_count,
    COUNT(CASE WHEN item_count > 0 THEN 1 END) AS orders_with_items,
    COUNT(DISTINCT customer_unique_id) AS customer_count,
    SUM(item_count) AS item_count,
    {{ money('SUM(items_price)') }} AS revenue,
    {{ money('SUM(freight_value)') }} AS freight_value,
    {{ money('SUM(order_total)') }} AS order_total,
    {{ money('SUM(payment_value)') }} AS payment_value,
    {{ money('ROUND(SUM(order_total) / NULLIF(COUNT(CASE WHEN item_count > 0 THEN 1 END), 0), 2)') }} AS avg_order_value
  FROM orders
  GROUP BY purchase_date
)

SELECT * FROM daily
