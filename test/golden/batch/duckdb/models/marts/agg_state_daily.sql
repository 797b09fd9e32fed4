CREATE OR REPLACE TABLE audit.agg_state_daily AS
-- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=customer_state
-- Sales per customer state and purchase date (local), from the order facts of the affected dates;
-- orders_with_items is the divisor of any average per order.
WITH
  orders AS (
    SELECT
      *
    FROM
      audit.int_fact_orders_affected
  ),
  state_daily AS (
    SELECT
      purchase_date,
      customer_state,
      COUNT(*) AS order_count,
      COUNT(
        CASE
          WHEN item_count > 0 THEN 1
        END
      ) AS orders_with_items,
      COUNT(DISTINCT customer_unique_id) AS customer_count,
      CAST(SUM(items_price) AS DECIMAL(18, 2)) AS revenue,
      CAST(SUM(order_total) AS DECIMAL(18, 2)) AS order_total,
      CAST(SUM(payment_value) AS DECIMAL(18, 2)) AS payment_value
    FROM
      orders
    GROUP BY
      purchase_date,
      customer_state
  )
SELECT
  *
FROM
  state_daily
