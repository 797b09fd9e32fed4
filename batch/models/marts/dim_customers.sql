-- config: materialized=table publish=replace reload=snapshot cluster_by=customer_id
-- Customers as SCD type 2 (the scd_versions macro, batch/dialect.ts): a version closes when the snapshot
-- changes a customer's attributes or drops it, and a new current version opens.
WITH snapshot AS (
  SELECT * FROM {{ ref('stg_customers') }}
),

{{ scd_versions('dim_customers', 'customer_id', 'customer_unique_id, customer_zip_code_prefix, customer_city, customer_state') }}

SELECT * FROM versions
