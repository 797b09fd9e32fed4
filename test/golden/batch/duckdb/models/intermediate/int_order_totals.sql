CREATE OR REPLACE TABLE audit.int_order_totals AS
-- config: materialized=table
-- Per order in scope: item count and totals, payments, and whether payments differ from
-- price + freight by more than a cent (payment_mismatch, recomputed from the current sets).
WITH
  orders AS (
    SELECT
      order_id
    FROM
      audit.stg_orders
  ),
  items AS (
    SELECT
      *
    FROM
      audit.stg_order_items
  ),
  payments AS (
    SELECT
      *
    FROM
      audit.stg_order_payments
  ),
  item_totals AS (
    SELECT
      order_id,
      COUNT(*) AS item_count,
      CAST(SUM(price) AS DECIMAL(18, 2)) AS items_price,
      CAST(SUM(freight_value) AS DECIMAL(18, 2)) AS items_freight,
      CAST(SUM(price + freight_value) AS DECIMAL(18, 2)) AS items_total
    FROM
      items
    GROUP BY
      order_id
  ),
  payment_totals AS (
    SELECT
      order_id,
      COUNT(*) AS payment_count,
      CAST(SUM(payment_value) AS DECIMAL(18, 2)) AS payment_value
    FROM
      payments
    GROUP BY
      order_id
  ),
  order_totals AS (
    SELECT
      orders.order_id,
      COALESCE(item_totals.item_count, 0) AS item_count,
      COALESCE(
        item_totals.items_price,
        CAST(0 AS DECIMAL(18, 2))
      ) AS items_price,
      COALESCE(
        item_totals.items_freight,
        CAST(0 AS DECIMAL(18, 2))
      ) AS items_freight,
      COALESCE(
        item_totals.items_total,
        CAST(0 AS DECIMAL(18, 2))
      ) AS items_total,
      COALESCE(payment_totals.payment_count, 0) AS payment_count,
      COALESCE(
        payment_totals.payment_value,
        CAST(0 AS DECIMAL(18, 2))
      ) AS payment_value,
      ABS(
        COALESCE(payment_totals.payment_value, 0) - COALESCE(item_totals.items_total, 0)
      ) > 0.01 AS payment_mismatch
    FROM
      orders
      LEFT JOIN item_totals ON orders.order_id = item_totals.order_id
      LEFT JOIN payment_totals ON orders.order_id = payment_totals.order_id
  )
SELECT
  *
FROM
  order_totals
