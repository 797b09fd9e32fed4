CREATE OR REPLACE VIEW mart.kpi_aov_by_location AS
-- config: materialized=view
-- Average order value (price + freight) per customer state and city, over the orders that have
-- items: item-less (canceled, unavailable, created) orders count in orders but not in the average.
WITH
  orders AS (
    SELECT
      *
    FROM
      mart.fact_orders
  ),
  by_location AS (
    SELECT
      customer_state,
      customer_city,
      COUNT(*) AS orders,
      COUNT(
        CASE
          WHEN item_count > 0 THEN 1
        END
      ) AS orders_with_items,
      CAST(SUM(order_total) AS DECIMAL(18, 2)) AS order_total,
      CAST(
        ROUND(
          SUM(order_total) / NULLIF(
            COUNT(
              CASE
                WHEN item_count > 0 THEN 1
              END
            ),
            0
          ),
          2
        ) AS DECIMAL(18, 2)
      ) AS avg_order_value
    FROM
      orders
    GROUP BY
      customer_state,
      customer_city
  )
SELECT
  *
FROM
  by_location
