CREATE OR REPLACE TABLE `golden-project.audit.stg_product_categories` AS
-- config: materialized=table reload=snapshot
-- Category name translation (product_category_name_translation.csv).
WITH
  snapshot AS (
    SELECT
      *
    FROM
      `golden-project.audit.snapshot_categories`
  ),
  typed AS (
    SELECT
      product_category_name,
      product_category_name_english
    FROM
      snapshot
  )
SELECT
  *
FROM
  typed
