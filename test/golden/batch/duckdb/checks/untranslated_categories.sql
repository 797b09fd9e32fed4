-- check: severity=warning model=stg_products
-- Product categories with no English name in the translation file (Olist has a few): one row per
-- category, with how many products carry it. Reported, not blocking: the Portuguese name stays.
WITH
  products AS (
    SELECT
      *
    FROM
      audit.stg_products
  ),
  categories AS (
    SELECT
      *
    FROM
      audit.stg_product_categories
  ),
  untranslated AS (
    SELECT
      products.product_category_name,
      COUNT(*) AS products
    FROM
      products
      LEFT JOIN categories ON products.product_category_name = categories.product_category_name
    WHERE
      products.product_category_name IS NOT NULL
      AND categories.product_category_name_english IS NULL
    GROUP BY
      products.product_category_name
  )
SELECT
  *
FROM
  untranslated
