CREATE OR REPLACE TABLE `golden-project.audit.dim_sellers`
CLUSTER BY
  seller_id AS
  -- config: materialized=table publish=replace reload=snapshot cluster_by=seller_id
  -- Sellers as in the latest snapshot (type 1: the published table is replaced).
WITH
  sellers AS (
    SELECT
      *
    FROM
      `golden-project.audit.stg_sellers`
  ),
  final AS (
    SELECT
      seller_id,
      seller_zip_code_prefix,
      seller_city,
      seller_state
    FROM
      sellers
  )
SELECT
  *
FROM
  final
