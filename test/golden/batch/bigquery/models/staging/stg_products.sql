CREATE OR REPLACE TABLE `golden-project.audit.stg_products` AS
-- config: materialized=table reload=snapshot
-- Products from the dims snapshot (olist_products_dataset.csv; the "lenght" misspellings are
-- Olist's own and stop here). Empty CSV fields arrive as NULL; a count holding anything but
-- whole digits becomes NULL rather than being rounded, and integer_text_stg_products fails the run.
WITH
  snapshot AS (
    SELECT
      *
    FROM
      `golden-project.audit.snapshot_products`
  ),
  typed AS (
    SELECT
      product_id,
      NULLIF(product_category_name, '') AS product_category_name,
      CASE
        WHEN REGEXP_CONTAINS(product_name_lenght, r'^-?[0-9]+$') THEN CAST(product_name_lenght AS INT64)
      END AS product_name_length,
      CASE
        WHEN REGEXP_CONTAINS(product_description_lenght, r'^-?[0-9]+$') THEN CAST(product_description_lenght AS INT64)
      END AS product_description_length,
      CASE
        WHEN REGEXP_CONTAINS(product_photos_qty, r'^-?[0-9]+$') THEN CAST(product_photos_qty AS INT64)
      END AS product_photos_qty,
      CASE
        WHEN REGEXP_CONTAINS(product_weight_g, r'^-?[0-9]+$') THEN CAST(product_weight_g AS INT64)
      END AS product_weight_g,
      CASE
        WHEN REGEXP_CONTAINS(product_length_cm, r'^-?[0-9]+$') THEN CAST(product_length_cm AS INT64)
      END AS product_length_cm,
      CASE
        WHEN REGEXP_CONTAINS(product_height_cm, r'^-?[0-9]+$') THEN CAST(product_height_cm AS INT64)
      END AS product_height_cm,
      CASE
        WHEN REGEXP_CONTAINS(product_width_cm, r'^-?[0-9]+$') THEN CAST(product_width_cm AS INT64)
      END AS product_width_cm
    FROM
      snapshot
  )
SELECT
  *
FROM
  typed
