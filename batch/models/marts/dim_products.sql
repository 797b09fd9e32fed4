-- config: materialized=table publish=replace reload=snapshot cluster_by=product_id
-- Products as SCD type 2 (the scd_versions macro, batch/dialect.ts), with the English category name.
WITH products AS (
  SELECT * FROM {{ ref('stg_products') }}
),

categories AS (
  SELECT * FROM {{ ref('stg_product_categories') }}
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
  FROM products
  LEFT JOIN categories ON products.product_category_name = categories.product_category_name
),

{{ scd_versions('dim_products', 'product_id', 'product_category_name, product_category_name_english, product_name_length, product_description_length, product_photos_qty, product_weight_g, product_length_cm, product_height_cm, product_width_cm') }}

SELECT * FROM versions
