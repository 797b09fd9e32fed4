-- config: materialized=table reload=snapshot
-- Customers from the dims snapshot (olist_customers_dataset.csv), zip prefixes left-padded to 5
-- digits (the CSV loses leading zeros). Not deduped: a repeated customer_id in the snapshot is a
-- data error for the unique check to catch.
WITH snapshot AS (
  SELECT * FROM {{ audit('snapshot_customers') }}
),

typed AS (
  SELECT
    customer_id,
    customer_unique_id,
    {{ zip5('customer_zip_code_prefix') }} AS customer_zip_code_prefix,
    customer_city,
    customer_state
  FROM snapshot
)

SELECT * FROM typed
