-- config: materialized=table
-- The current payments (raw.order_payments_current's rules) of the orders in scope, plus any
-- payment ingested since the watermark (see stg_order_items).
WITH order_payments_current AS (
  {{ current('order_payments_current') }}
),

orders AS (
  SELECT order_id FROM {{ ref('stg_orders') }}
),

in_scope AS (
  SELECT
    order_id,
    payment_sequential,
    payment_type,
    payment_installments,
    payment_value,
    event_id,
    ingested_at
  FROM order_payments_current
  WHERE order_id IN (SELECT order_id FROM orders)
    OR ingested_at > {{ watermark() }}
)

SELECT * FROM in_scope
