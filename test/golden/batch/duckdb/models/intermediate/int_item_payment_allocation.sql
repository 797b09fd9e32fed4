CREATE OR REPLACE TABLE audit.int_item_payment_allocation AS
-- config: materialized=table
-- The order's payments allocated to its items in proportion to item total (price + freight),
-- in whole cents by the largest-remainder method: each item gets the floor of its share, and the
-- cents left over go one each to the items with the largest remainders (ties: lowest
-- order_item_id). The allocations of an order sum exactly to its payments.
WITH
  items AS (
    SELECT
      *
    FROM
      audit.stg_order_items
  ),
  payments AS (
    SELECT
      order_id,
      SUM(CAST(ROUND((payment_value) * 100) AS BIGINT)) AS paid_cents
    FROM
      audit.stg_order_payments
    GROUP BY
      order_id
  ),
  weighted AS (
    SELECT
      items.order_id,
      items.order_item_id,
      COALESCE(payments.paid_cents, 0) AS paid_cents,
      -- Items worth nothing in total share the payment equally.
      CASE
        WHEN SUM(
          CAST(
            ROUND((items.price + items.freight_value) * 100) AS BIGINT
          )
        ) OVER (
          PARTITION BY
            items.order_id
        ) = 0 THEN 1
        ELSE CAST(
          ROUND((items.price + items.freight_value) * 100) AS BIGINT
        )
      END AS weight
    FROM
      items
      LEFT JOIN payments ON items.order_id = payments.order_id
  ),
  shares AS (
    SELECT
      order_id,
      order_item_id,
      paid_cents,
      (
        (paid_cents * weight) // (
          SUM(weight) OVER (
            PARTITION BY
              order_id
          )
        )
      ) AS floor_cents,
      MOD(
        paid_cents * weight,
        SUM(weight) OVER (
          PARTITION BY
            order_id
        )
      ) AS remainder
    FROM
      weighted
  ),
  ranked AS (
    SELECT
      order_id,
      order_item_id,
      floor_cents,
      paid_cents - SUM(floor_cents) OVER (
        PARTITION BY
          order_id
      ) AS leftover_cents,
      ROW_NUMBER() OVER (
        PARTITION BY
          order_id
        ORDER BY
          remainder DESC,
          order_item_id
      ) AS remainder_rank
    FROM
      shares
  ),
  allocated AS (
    SELECT
      order_id,
      order_item_id,
      floor_cents + CASE
        WHEN remainder_rank <= leftover_cents THEN 1
        ELSE 0
      END AS allocated_cents
    FROM
      ranked
  )
SELECT
  *
FROM
  allocated
