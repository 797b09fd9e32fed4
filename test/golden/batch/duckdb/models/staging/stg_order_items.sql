CREATE OR REPLACE TABLE audit.stg_order_items AS
-- config: materialized=table
-- The current items of every order the run touches: every row of the order's latest event that
-- carried items (the contract's "latest", as in raw.order_items_current; that event replaces the set),
-- once per order_item_id even when the event was delivered twice. An order's items are kept even
-- when its order row is missing, so the referential check sees them instead of nobody.
WITH
  order_items AS (
    SELECT
      *
    FROM
      (
        SELECT
          *
        FROM
          raw.order_items
        WHERE
          TRUE
          AND order_id IN (
            SELECT
              order_id
            FROM
              audit.work_orders
          )
      )
  ),
  latest_event AS (
    SELECT
      order_id,
      event_id
    FROM
      order_items
    WHERE
      TRUE -- BigQuery accepts QUALIFY only beside WHERE, GROUP BY or HAVING
    QUALIFY
      ROW_NUMBER() OVER (
        PARTITION BY
          order_id
        ORDER BY
          COALESCE(event_sequence, 0) DESC,
          event_time DESC,
          publish_time DESC,
          event_id DESC
      ) = 1
  ),
  current_items AS (
    SELECT
      order_items.*
    FROM
      order_items
      INNER JOIN latest_event ON order_items.order_id = latest_event.order_id
      AND order_items.event_id = latest_event.event_id
    WHERE
      TRUE
    QUALIFY
      ROW_NUMBER() OVER (
        PARTITION BY
          order_items.order_id,
          order_items.order_item_id
        ORDER BY
          order_items.publish_time DESC
      ) = 1
  ),
  final AS (
    SELECT
      order_id,
      order_item_id,
      product_id,
      seller_id,
      shipping_limit_date,
      price,
      freight_value,
      event_id,
      ingested_at
    FROM
      current_items
  )
SELECT
  *
FROM
  final
