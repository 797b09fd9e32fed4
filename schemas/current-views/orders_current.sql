-- raw.orders_current: the latest event of every order, for real-time BI.
-- Latest = greatest event_sequence (a missing one counts as 0), then event_time, then publish_time,
-- then event_id (the event contract's order); rows still tied after that are redeliveries of one
-- message and identical but for ingested_at.
-- ${project} and ${dataset} are filled in by Terraform's templatefile().
WITH orders AS (
  SELECT * FROM `${project}.${dataset}.orders`
),

latest AS (
  SELECT *
  FROM orders
  WHERE TRUE -- BigQuery accepts QUALIFY only beside WHERE, GROUP BY or HAVING
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY order_id
    ORDER BY COALESCE(event_sequence, 0) DESC, event_time DESC, publish_time DESC, event_id DESC
  ) = 1
)

SELECT * FROM latest
