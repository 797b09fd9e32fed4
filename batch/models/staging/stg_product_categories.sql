-- config: materialized=table reload=snapshot
-- Category name translation (product_category_name_translation.csv).
WITH snapshot AS (
  SELECT * FROM {{ audit('snapshot_categories') }}
),

typed AS (
  SELECT
    product_category_name,
    product_category_name_english
  FROM snapshot
)

SELECT * FROM typed
