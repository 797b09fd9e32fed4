CREATE OR REPLACE TABLE audit.stg_products AS
-- config: materialized=table reload=snapshot
-- Products from the dims snapshot (olist_products_dataset.csv; the "lenght" misspellings are
-- Olist's own and stop here). Empty CSV fields arrive as NULL; a count holding anything but
-- whole digits becomes NULL rather than being rounded, and integer_text_stg_products fails the run.
WITH
  snapshot AS (
    SELECT
      *
    FROM
      audit.snapshot_products
  ),
  typed AS (
    SELECT
      product_id,
      NULLIF(product_category_name, '') AS product_category_name,
      CASE
        WHEN regexp_full_match(product_name_lenght, '-?[0-9]+') THEN CAST(product_name_lenght AS BIGINT)
      END AS product_name_length,
      CASE
        WHEN regexp_full_match(product_description_lenght, '-?[0-9]+') THEN CAST(product_description_lenght AS BIGINT)
      END AS product_description_length,
      CASE
        WHEN regexp_full_match(product_photos_qty, '-?[0-9]+') THEN CAST(product_photos_qty AS BIGINT)
      END AS product_photos_qty,
      CASE
        WHEN regexp_full_match(product_weight_g, '-?[0-9]+') THEN CAST(product_weight_g AS BIGINT)
      END AS product_weight_g,
      CASE
        WHEN regexp_full_match(product_length_cm, '-?[0-9]+') THEN CAST(product_length_cm AS BIGINT)
      END AS product_length_cm,
      CASE
        WHEN regexp_full_match(product_height_cm, '-?[0-9]+') THEN CAST(product_height_cm AS BIGINT)
      END AS product_height_cm,
      CASE
        WHEN regexp_full_match(product_width_cm, '-?[0-9]+') THEN CAST(product_width_cm AS BIGINT)
      END AS product_width_cm
    FROM
      snapshot
  )
SELECT
  *
FROM
  typed
