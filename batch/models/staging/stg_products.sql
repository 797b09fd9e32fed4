-- config: materialized=table reload=snapshot
-- Products from the dims snapshot (olist_products_dataset.csv; the "lenght" misspellings are
-- Olist's own and stop here). Empty CSV fields arrive as NULL; a count holding anything but
-- whole digits becomes NULL rather than being rounded, and integer_text_stg_products fails the run.
WITH snapshot AS (
  SELECT * FROM {{ audit('snapshot_products') }}
),

typed AS (
  SELECT
    product_id,
    NULLIF(product_category_name, '') AS product_category_name,
    {{ int_from_text('product_name_lenght') }} AS product_name_length,
    {{ int_from_text('product_description_lenght') }} AS product_description_length,
    {{ int_from_text('product_photos_qty') }} AS product_photos_qty,
    {{ int_from_text('product_weight_g') }} AS product_weight_g,
    {{ int_from_text('product_length_cm') }} AS product_length_cm,
    {{ int_from_text('product_height_cm') }} AS product_height_cm,
    {{ int_from_text('product_width_cm') }} AS product_width_cm
  FROM snapshot
)

SELECT * FROM typed
