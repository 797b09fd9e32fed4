CREATE OR REPLACE TABLE `golden-project.audit.agg_product_daily`
PARTITION BY
  purchase_date
CLUSTER BY
  product_id AS
  -- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=product_id
  -- Sales per product and purchase date, from the item facts.
WITH
  sales AS (
    SELECT
      *
    FROM
      `golden-project.audit.int_fact_sales_affected`
  ),
  product_daily AS (
    SELECT
      purchase_date,
      product_id,
      COUNT(DISTINCT order_id) AS order_count,
      COUNT(*) AS item_count,
      ROUND(CAST(SUM(price) AS NUMERIC), 2) AS revenue,
      ROUND(CAST(SUM(allocated_payment) AS NUMERIC), 2) AS allocated_payment
    FROM
      sales
    GROUP BY
      purchase_date,
      product_id
  )
SELECT
  *
FROM
  product_daily
