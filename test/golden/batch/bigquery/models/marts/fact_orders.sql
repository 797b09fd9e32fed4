CREATE OR REPLACE TABLE `golden-project.audit.fact_orders`
PARTITION BY
  purchase_date
CLUSTER BY
  customer_id AS
  -- config: materialized=table publish=merge unique_key=order_id partition_by=purchase_date cluster_by=customer_id
  -- One row per order the run touches, merged into mart by order_id; dates are local dates in the
  -- business time zone. Orders without items stay (item_count 0, their payments visible) and carry
  -- the contract's flags; the customer is the current dimension version.
WITH
  orders AS (
    SELECT
      *
    FROM
      `golden-project.audit.stg_orders`
  ),
  totals AS (
    SELECT
      *
    FROM
      `golden-project.audit.int_order_totals`
  ),
  customers AS (
    SELECT
      *
    FROM
      `golden-project.audit.dim_customers`
    WHERE
      is_current
  ),
  delivered AS (
    SELECT
      order_id,
      DATE(
        order_delivered_customer_date,
        'America/Sao_Paulo'
      ) AS delivered_date,
      DATE(
        order_estimated_delivery_date,
        'America/Sao_Paulo'
      ) AS estimated_date
    FROM
      orders
  ),
  order_facts AS (
    SELECT
      orders.order_id,
      orders.purchase_date,
      orders.order_purchase_timestamp,
      orders.customer_id,
      customers.customer_unique_id,
      customers.customer_city,
      customers.customer_state,
      orders.order_status,
      totals.item_count,
      totals.items_price,
      totals.items_freight AS freight_value,
      totals.items_total AS order_total,
      totals.payment_count,
      totals.payment_value,
      totals.payment_mismatch,
      totals.item_count = 0 AS no_items,
      totals.payment_count = 0 AS no_payments,
      COALESCE(
        orders.order_approved_at < orders.order_purchase_timestamp
        OR orders.order_delivered_carrier_date < orders.order_purchase_timestamp
        OR orders.order_delivered_customer_date < orders.order_purchase_timestamp,
        FALSE
      ) AS timestamp_before_purchase,
      orders.order_approved_at,
      orders.order_delivered_carrier_date,
      orders.order_delivered_customer_date,
      orders.order_estimated_delivery_date,
      DATE_DIFF(
        delivered.delivered_date,
        orders.purchase_date,
        DAY
      ) AS delivery_days,
      -- Both sides local dates: an estimate is a local midnight, so a UTC date would turn evening deliveries late.
      delivered.delivered_date > delivered.estimated_date AS is_delivered_late,
      orders.first_ingested_at
    FROM
      orders
      INNER JOIN totals ON orders.order_id = totals.order_id
      INNER JOIN delivered ON orders.order_id = delivered.order_id
      LEFT JOIN customers ON orders.customer_id = customers.customer_id
  )
SELECT
  *
FROM
  order_facts
