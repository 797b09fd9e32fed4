-- config: materialized=table
-- The current items (raw.order_items_current's rules: the latest event that carried items
-- replaces the set) of the orders in scope, plus any item ingested since the watermark, so an
-- item whose order is missing stays visible to the referential check instead of vanishing.
WITH order_items_current AS (
  {{ current('order_items_current') }}
),

orders AS (
  SELECT order_id FROM {{ ref('stg_orders') }}
),

in_scope AS (
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
  FROM order_items_current
  WHERE order_id IN (SELECT order_id FROM orders)
    OR ingested_at > {{ watermark() }}
)

SELECT * FROM in_scope
