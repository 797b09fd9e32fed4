CREATE OR REPLACE TABLE audit.int_fact_orders_affected AS
-- config: materialized=table
-- fact_orders of every affected date as it will read once published: the run's candidates, plus
-- the published rows of those dates whose order the run does not replace. The aggregates are
-- recomputed from this, so they never need raw rows the run did not read. Columns are named:
-- the published table may order them differently.
WITH
  candidates AS (
    SELECT
      *
    FROM
      audit.fact_orders
  ),
  candidate_orders AS (
    SELECT
      order_id
    FROM
      audit.fact_orders
  ),
  affected_dates AS (
    SELECT
      purchase_date
    FROM
      audit.int_affected_dates
  ),
  no_published_rows AS (
    SELECT
      *
    FROM
      candidates
    WHERE
      FALSE
  ),
  published AS (
    SELECT
      *
    FROM
      mart.fact_orders
  ),
  kept AS (
    SELECT
      *
    FROM
      published
    WHERE
      purchase_date IN (
        SELECT
          purchase_date
        FROM
          affected_dates
      )
      AND order_id NOT IN (
        SELECT
          order_id
        FROM
          candidate_orders
      )
  ),
  affected AS (
    SELECT
      order_id,
      purchase_date,
      order_purchase_timestamp,
      customer_id,
      customer_unique_id,
      customer_city,
      customer_state,
      order_status,
      item_count,
      items_price,
      freight_value,
      order_total,
      payment_count,
      payment_value,
      payment_mismatch,
      no_items,
      no_payments,
      timestamp_before_purchase,
      order_approved_at,
      order_delivered_carrier_date,
      order_delivered_customer_date,
      order_estimated_delivery_date,
      delivery_days,
      is_delivered_late,
      first_ingested_at
    FROM
      candidates
    UNION ALL
    SELECT
      order_id,
      purchase_date,
      order_purchase_timestamp,
      customer_id,
      customer_unique_id,
      customer_city,
      customer_state,
      order_status,
      item_count,
      items_price,
      freight_value,
      order_total,
      payment_count,
      payment_value,
      payment_mismatch,
      no_items,
      no_payments,
      timestamp_before_purchase,
      order_approved_at,
      order_delivered_carrier_date,
      order_delivered_customer_date,
      order_estimated_delivery_date,
      delivery_days,
      is_delivered_late,
      first_ingested_at
    FROM
      kept
  )
SELECT
  *
FROM
  affected
