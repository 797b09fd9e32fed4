CREATE OR REPLACE TABLE `golden-project.audit.int_fact_sales_affected` AS
-- config: materialized=table
-- fact_sales of every affected date as it will read once published: the run's candidates, plus
-- the published rows of those dates whose order the run does not replace. The aggregates are
-- recomputed from this, so they never need raw rows the run did not read. Columns are named:
-- the published table may order them differently.
WITH
  candidates AS (
    SELECT
      *
    FROM
      `golden-project.audit.fact_sales`
  ),
  candidate_orders AS (
    SELECT
      order_id
    FROM
      `golden-project.audit.fact_orders`
  ),
  affected_dates AS (
    SELECT
      purchase_date
    FROM
      `golden-project.audit.int_affected_dates`
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
      `golden-project.mart.fact_sales`
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
      order_item_id,
      purchase_date,
      order_purchase_timestamp,
      customer_id,
      product_id,
      seller_id,
      order_status,
      price,
      freight_value,
      item_total,
      allocated_payment,
      delivery_days,
      is_delivered_late
    FROM
      candidates
    UNION ALL
    SELECT
      order_id,
      order_item_id,
      purchase_date,
      order_purchase_timestamp,
      customer_id,
      product_id,
      seller_id,
      order_status,
      price,
      freight_value,
      item_total,
      allocated_payment,
      delivery_days,
      is_delivered_late
    FROM
      kept
  )
SELECT
  *
FROM
  affected
