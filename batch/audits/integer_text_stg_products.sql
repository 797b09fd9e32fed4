-- check: severity=blocking model=stg_products
-- Integer columns of the products snapshot holding anything but whole digits ('51.6'): DuckDB
-- would round them and BigQuery refuse them, so staging makes them NULL and this fails the run.
WITH snapshot AS (
  SELECT * FROM {{ audit('snapshot_products') }}
),

counts AS (
  SELECT product_id, 'product_name_lenght' AS column_name, product_name_lenght AS value FROM snapshot
  UNION ALL SELECT product_id, 'product_description_lenght', product_description_lenght FROM snapshot
  UNION ALL SELECT product_id, 'product_photos_qty', product_photos_qty FROM snapshot
  UNION ALL SELECT product_id, 'product_weight_g', product_weight_g FROM snapshot
  UNION ALL SELECT product_id, 'product_length_cm', product_length_cm FROM snapshot
  UNION ALL SELECT product_id, 'product_height_cm', product_height_cm FROM snapshot
  UNION ALL SELECT product_id, 'product_width_cm', product_width_cm FROM snapshot
),

not_integers AS (
  SELECT * FROM counts
  WHERE value <> '' AND NOT {{ is_integer_text('value') }}
)

SELECT * FROM not_integers
