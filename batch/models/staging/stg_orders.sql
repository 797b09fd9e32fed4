-- config: materialized=table
-- The latest event of every order the run touches (audit.work_orders), read from the raw rows of
-- those orders only. Latest = greatest event_sequence (missing = 0), then event_time,
-- publish_time, event_id: the event contract's order, as in raw.orders_current.
WITH orders AS (
  SELECT * FROM {{ touched('orders') }}
),

first_ingested AS (
  SELECT order_id, MIN(ingested_at) AS first_ingested_at
  FROM orders
  GROUP BY order_id
),

latest AS (
  SELECT *
  FROM orders
  WHERE TRUE -- BigQuery accepts QUALIFY only beside WHERE, GROUP BY or HAVING
  QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY {{ latest_first() }}) = 1
),

final AS (
  SELECT
    latest.order_id,
    latest.customer_id,
    latest.order_status,
    latest.order_purchase_timestamp,
    {{ local_date('latest.order_purchase_timestamp') }} AS purchase_date,
    latest.order_approved_at,
    latest.order_delivered_carrier_date,
    latest.order_delivered_customer_date,
    latest.order_estimated_delivery_date,
    latest.event_id,
    latest.event_sequence,
    latest.event_time,
    latest.ingested_at,
    first_ingested.first_ingested_at
  FROM latest
  INNER JOIN first_ingested ON latest.order_id = first_ingested.order_id
)

SELECT * FROM final
