-- check: severity=warning model=stg_orders
-- The newest raw order row is under 36 hours old when the job runs (the worker is alive).
WITH
  latest AS (
    SELECT
      MAX(ingested_at) AS latest_ingested_at
    FROM
      `golden-project.raw.orders`
  )
SELECT
  *
FROM
  latest
WHERE
  latest_ingested_at < TIMESTAMP '2025-12-30 12:00:00.000'
