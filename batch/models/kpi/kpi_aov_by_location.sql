-- config: materialized=view
-- Average order value (price + freight) per customer state and city.
WITH orders AS (
  SELECT * FROM {{ mart('fact_orders') }}
),

by_location AS (
  SELECT
    customer_state,
    customer_city,
    COUNT(*) AS orders,
    {{ money('SUM(order_total)') }} AS order_total,
    {{ money('ROUND(SUM(order_total) / COUNT(*), 2)') }} AS avg_order_value
  FROM orders
  GROUP BY customer_state, customer_city
)

SELECT * FROM by_location
