CREATE OR REPLACE TABLE audit.stg_sellers AS
-- config: materialized=table reload=snapshot
-- Sellers from the dims snapshot (olist_sellers_dataset.csv), zip prefixes left-padded to 5 digits.
WITH
  snapshot AS (
    SELECT
      *
    FROM
      audit.snapshot_sellers
  ),
  typed AS (
    SELECT
      seller_id,
      lpad(seller_zip_code_prefix, 5, '0') AS seller_zip_code_prefix,
      seller_city,
      seller_state
    FROM
      snapshot
  )
SELECT
  *
FROM
  typed
