CREATE OR REPLACE TABLE audit.agg_product_daily AS
-- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=product_id
-- Sales per product and purchase date, from the item facts.
WITH
  sales AS (
    SELECT
      *
    FROM
      audit.int_fact_sales_affected
  ),
  product_daily AS (
    SELECT
      purchase_date,
      product_id,
      COUNT(DISTINCT order_id) AS order_count,
      COUNT(*) AS item_count,
      CAST(SUM(price) AS DECIMAL(18, 2)) AS revenue,
      CAST(SUM(allocated_payment) AS DECIMAL(18, 2)) AS allocated_payment
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
