-- config: materialized=table
-- The latest event of every order whose purchase date the run rebuilds. The dedupe is
-- raw.orders_current's own SQL (schemas/views), so the batch and real-time BI agree on "latest".
WITH orders_current AS (
  {{ current('orders_current') }}
),

in_scope AS (
  SELECT
    order_id,
    customer_id,
    order_status,
    order_purchase_timestamp,
    CAST(order_purchase_timestamp AS DATE) AS purchase_date,
    order_approved_at,
    order_delivered_carrier_date,
    order_delivered_customer_date,
    order_estimated_delivery_date,
    event_id,
    event_time,
    ingested_at
  FROM orders_current
  WHERE CAST(order_purchase_timestamp AS DATE) IN ({{ work_dates() }})
)

SELECT * FROM in_scope
