-- config: materialized=table
-- Products from the dims snapshot (olist_products_dataset.csv; the "lenght" misspellings are
-- Olist's own and stop here). Empty CSV fields arrive as NULL.
WITH snapshot AS (
  SELECT * FROM {{ audit('snapshot_products') }}
),

typed AS (
  SELECT
    product_id,
    NULLIF(product_category_name, '') AS product_category_name,
    CAST(NULLIF(product_name_lenght, '') AS {{ int_type() }}) AS product_name_length,
    CAST(NULLIF(product_description_lenght, '') AS {{ int_type() }}) AS product_description_length,
    CAST(NULLIF(product_photos_qty, '') AS {{ int_type() }}) AS product_photos_qty,
    CAST(NULLIF(product_weight_g, '') AS {{ int_type() }}) AS product_weight_g,
    CAST(NULLIF(product_length_cm, '') AS {{ int_type() }}) AS product_length_cm,
    CAST(NULLIF(product_height_cm, '') AS {{ int_type() }}) AS product_height_cm,
    CAST(NULLIF(product_width_cm, '') AS {{ int_type() }}) AS product_width_cm
  FROM snapshot
)

SELECT * FROM typed
