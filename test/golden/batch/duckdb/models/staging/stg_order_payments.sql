CREATE OR REPLACE TABLE audit.stg_order_payments AS
-- config: materialized=table
-- The current payments of every order the run touches: every row of the order's latest event that
-- carried payments (the contract's "latest", as in raw.order_payments_current; that event replaces the set),
-- once per payment_sequential even when the event was delivered twice. An order's payments are kept even
-- when its order row is missing, so the referential check sees them instead of nobody.
WITH
  order_payments AS (
    SELECT
      *
    FROM
      (
        SELECT
          *
        FROM
          raw.order_payments
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
      order_payments
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
  current_payments AS (
    SELECT
      order_payments.*
    FROM
      order_payments
      INNER JOIN latest_event ON order_payments.order_id = latest_event.order_id
      AND order_payments.event_id = latest_event.event_id
    WHERE
      TRUE
    QUALIFY
      ROW_NUMBER() OVER (
        PARTITION BY
          order_payments.order_id,
          order_payments.payment_sequential
        ORDER BY
          order_payments.publish_time DESC
      ) = 1
  ),
  final AS (
    SELECT
      order_id,
      payment_sequential,
      payment_type,
      payment_installments,
      payment_value,
      event_id,
      ingested_at
    FROM
      current_payments
  )
SELECT
  *
FROM
  final
