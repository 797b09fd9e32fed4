CREATE OR REPLACE TABLE `golden-project.audit.dim_products`
CLUSTER BY
  product_id AS
  -- config: materialized=table publish=replace reload=snapshot cluster_by=product_id
  -- Products as SCD type 2 (the scd_versions macro, batch/dialect.ts), with the English category name.
WITH
  products AS (
    SELECT
      *
    FROM
      `golden-project.audit.stg_products`
  ),
  categories AS (
    SELECT
      *
    FROM
      `golden-project.audit.stg_product_categories`
  ),
  snapshot AS (
    SELECT
      products.product_id,
      products.product_category_name,
      categories.product_category_name_english,
      products.product_name_length,
      products.product_description_length,
      products.product_photos_qty,
      products.product_weight_g,
      products.product_length_cm,
      products.product_height_cm,
      products.product_width_cm
    FROM
      products
      LEFT JOIN categories ON products.product_category_name = categories.product_category_name
  ),
  empty_dim AS (
    SELECT
      product_id,
      product_category_name,
      product_category_name_english,
      product_name_length,
      product_description_length,
      product_photos_qty,
      product_weight_g,
      product_length_cm,
      product_height_cm,
      product_width_cm,
      DATE '2026-01-01' AS valid_from,
      CAST(NULL AS DATE) AS valid_to,
      TRUE AS is_current
    FROM
      snapshot
    WHERE
      FALSE
  ),
  previous AS (
    SELECT
      *
    FROM
      `golden-project.mart.dim_products`
  ),
  history AS (
    SELECT
      *
    FROM
      previous
    WHERE
      NOT is_current
  ),
  compared AS (
    SELECT
      previous.*,
      snapshot.product_id IS NULL
      OR previous.product_category_name IS DISTINCT FROM snapshot.product_category_name
      OR previous.product_category_name_english IS DISTINCT FROM snapshot.product_category_name_english
      OR previous.product_name_length IS DISTINCT FROM snapshot.product_name_length
      OR previous.product_description_length IS DISTINCT FROM snapshot.product_description_length
      OR previous.product_photos_qty IS DISTINCT FROM snapshot.product_photos_qty
      OR previous.product_weight_g IS DISTINCT FROM snapshot.product_weight_g
      OR previous.product_length_cm IS DISTINCT FROM snapshot.product_length_cm
      OR previous.product_height_cm IS DISTINCT FROM snapshot.product_height_cm
      OR previous.product_width_cm IS DISTINCT FROM snapshot.product_width_cm AS ends
    FROM
      previous
      LEFT JOIN snapshot ON previous.product_id = snapshot.product_id
    WHERE
      previous.is_current
  ),
  kept AS (
    SELECT
      product_id,
      product_category_name,
      product_category_name_english,
      product_name_length,
      product_description_length,
      product_photos_qty,
      product_weight_g,
      product_length_cm,
      product_height_cm,
      product_width_cm,
      valid_from,
      valid_to,
      is_current
    FROM
      compared
    WHERE
      NOT ends
  ),
  closed AS (
    SELECT
      product_id,
      product_category_name,
      product_category_name_english,
      product_name_length,
      product_description_length,
      product_photos_qty,
      product_weight_g,
      product_length_cm,
      product_height_cm,
      product_width_cm,
      valid_from,
      DATE '2026-01-01' AS valid_to,
      FALSE AS is_current
    FROM
      compared
    WHERE
      ends
  ),
  opened AS (
    SELECT
      snapshot.product_id,
      snapshot.product_category_name,
      snapshot.product_category_name_english,
      snapshot.product_name_length,
      snapshot.product_description_length,
      snapshot.product_photos_qty,
      snapshot.product_weight_g,
      snapshot.product_length_cm,
      snapshot.product_height_cm,
      snapshot.product_width_cm,
      CASE
        WHEN (
          SELECT
            COUNT(*)
          FROM
            previous
        ) = 0 THEN DATE '1900-01-01'
        ELSE DATE '2026-01-01'
      END AS valid_from,
      CAST(NULL AS DATE) AS valid_to,
      TRUE AS is_current
    FROM
      snapshot
      LEFT JOIN kept ON snapshot.product_id = kept.product_id
    WHERE
      kept.product_id IS NULL
  ),
  versions AS (
    SELECT
      *
    FROM
      history
    UNION ALL
    SELECT
      *
    FROM
      kept
    UNION ALL
    SELECT
      *
    FROM
      closed
    UNION ALL
    SELECT
      *
    FROM
      opened
  )
SELECT
  *
FROM
  versions
