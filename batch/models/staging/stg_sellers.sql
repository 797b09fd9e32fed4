-- config: materialized=table
-- Sellers from the dims snapshot (olist_sellers_dataset.csv).
WITH snapshot AS (
  SELECT * FROM {{ audit('snapshot_sellers') }}
),

typed AS (
  SELECT
    seller_id,
    seller_zip_code_prefix,
    seller_city,
    seller_state
  FROM snapshot
)

SELECT * FROM typed
