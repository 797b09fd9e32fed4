CREATE OR REPLACE TABLE audit.agg_seller_daily AS
-- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=seller_id
-- Sales per seller and purchase date, from the item facts.
WITH
  sales AS (
    SELECT
      *
    FROM
      audit.int_fact_sales_affected
  ),
  seller_daily AS (
    SELECT
      purchase_date,
      seller_id,
      COUNT(DISTINCT order_id) AS order_count,
      COUNT(*) AS item_count,
      CAST(SUM(price) AS DECIMAL(18, 2)) AS revenue,
      CAST(SUM(freight_value) AS DECIMAL(18, 2)) AS freight_value,
      CAST(SUM(allocated_payment) AS DECIMAL(18, 2)) AS allocated_payment
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
