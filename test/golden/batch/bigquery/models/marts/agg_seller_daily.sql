CREATE OR REPLACE TABLE `golden-project.audit.agg_seller_daily`
PARTITION BY
  purchase_date
CLUSTER BY
  seller_id AS
  -- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=seller_id
  -- Sales per seller and purchase date, from the item facts.
WITH
  sales AS (
    SELECT
      *
    FROM
      `golden-project.audit.int_fact_sales_affected`
  ),
  seller_daily AS (
    SELECT
      purchase_date,
      seller_id,
      COUNT(DISTINCT order_id) AS order_count,
      COUNT(*) AS item_count,
      ROUND(CAST(SUM(price) AS NUMERIC), 2) AS revenue,
      ROUND(CAST(SUM(freight_value) AS NUMERIC), 2) AS freight_value,
      ROUND(CAST(SUM(allocated_payment) AS NUMERIC), 2) AS allocated_payment
    FROM
      sales
    GROUP BY
      purchase_date,
      seller_id
  )
SELECT
  *
FROM
  seller_daily
