CREATE OR REPLACE TABLE audit.dim_sellers AS
-- config: materialized=table publish=replace reload=snapshot cluster_by=seller_id
-- Sellers as in the latest snapshot (type 1: the published table is replaced).
WITH
  sellers AS (
    SELECT
      *
    FROM
      audit.stg_sellers
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
