-- raw.order_items_current: the current items of every order, for real-time BI.
-- An event that carries items replaces the order's whole set, so the current set is every row of
-- the order's latest event that carried items (greatest event_sequence, a missing one counting as
-- 0, then event_time, then publish_time, then event_id), once per order_item_id even when that
-- event was delivered more than once.
-- ${project} and ${dataset} are filled in by Terraform's templatefile().
WITH order_items AS (
  SELECT * FROM `${project}.${dataset}.order_items`
),

latest_event AS (
  SELECT order_id, event_id
  FROM order_items
  WHERE TRUE -- BigQuery accepts QUALIFY only beside WHERE, GROUP BY or HAVING
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY order_id
    ORDER BY COALESCE(event_sequence, 0) DESC, event_time DESC, publish_time DESC, event_id DESC
  ) = 1
),

current_items AS (
  SELECT order_items.*
  FROM order_items
  INNER JOIN latest_event
    ON order_items.order_id = latest_event.order_id
    AND order_items.event_id = latest_event.event_id
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY order_items.order_id, order_items.order_item_id
    ORDER BY order_items.publish_time DESC
  ) = 1
)

SELECT * FROM current_items
