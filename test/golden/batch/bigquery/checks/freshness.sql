-- check: severity=warning model=stg_orders
-- Some raw order row is under 36 hours old when the job runs (the worker is alive). Only the last
-- 36 hours of raw are read: on BigQuery the older ingested_at partitions are pruned.
WITH
  recent AS (
    SELECT
      MAX(ingested_at) AS latest_ingested_at
    FROM
      `golden-project.raw.orders`
    WHERE
      ingested_at >= TIMESTAMP '2025-12-30 12:00:00.000'
  )
SELECT
  TIMESTAMP '2025-12-30 12:00:00.000' AS no_order_row_since
FROM
  recent
WHERE
  latest_ingested_at IS NULL
