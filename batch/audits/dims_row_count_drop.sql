-- check: severity=blocking model=stg_customers
-- A dims snapshot file whose row count fell by more than the allowed share (--max-dims-drop,
-- default 0.1) against the snapshot the last published run loaded: a truncated file would
-- otherwise close most dimension versions and leave the facts without customer attributes.
WITH loaded AS (
  SELECT 'customers' AS snapshot, COUNT(*) AS row_count FROM {{ audit('snapshot_customers') }}
  UNION ALL
  SELECT 'products', COUNT(*) FROM {{ audit('snapshot_products') }}
  UNION ALL
  SELECT 'sellers', COUNT(*) FROM {{ audit('snapshot_sellers') }}
  UNION ALL
  SELECT 'categories', COUNT(*) FROM {{ audit('snapshot_categories') }}
),

published AS (
  SELECT snapshot, row_count
  FROM {{ audit('batch_snapshots') }}
  WHERE TRUE -- BigQuery accepts QUALIFY only beside WHERE, GROUP BY or HAVING
  QUALIFY ROW_NUMBER() OVER (PARTITION BY snapshot ORDER BY recorded_at DESC) = 1
),

drops AS (
  SELECT loaded.snapshot, published.row_count AS published_rows, loaded.row_count AS loaded_rows
  FROM loaded
  INNER JOIN published ON loaded.snapshot = published.snapshot
  WHERE loaded.row_count < (1 - {{ max_dims_drop() }}) * published.row_count
)

SELECT * FROM drops
