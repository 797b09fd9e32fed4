-- raw.order_payments_current: the current payments of every order, for real-time BI.
-- An event that carries payments replaces the order's whole set, so the current set is every row of
-- the order's latest event that carried payments (greatest event_sequence, a missing one counting as
-- 0, then event_time, then publish_time, then event_id), once per payment_sequential even when that
-- event was delivered more than once.
-- ${project} and ${dataset} are filled in by Terraform's templatefile().
WITH order_payments AS (
  SELECT * FROM `${project}.${dataset}.order_payments`
),

latest_event AS (
  SELECT order_id, event_id
  FROM order_payments
  WHERE TRUE -- BigQuery accepts QUALIFY only beside WHERE, GROUP BY or HAVING
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY order_id
    ORDER BY COALESCE(event_sequence, 0) DESC, event_time DESC, publish_time DESC, event_id DESC
  ) = 1
),

current_payments AS (
  SELECT order_payments.*
  FROM order_payments
  INNER JOIN latest_event
    ON order_payments.order_id = latest_event.order_id
    AND order_payments.event_id = latest_event.event_id
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY order_payments.order_id, order_payments.payment_sequential
    ORDER BY order_payments.publish_time DESC
  ) = 1
)

SELECT * FROM current_payments
