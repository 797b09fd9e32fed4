CREATE OR REPLACE TABLE `golden-project.audit.dim_customers`
CLUSTER BY
  customer_id AS
  -- config: materialized=table publish=replace reload=snapshot cluster_by=customer_id
  -- Customers as SCD type 2 (the scd_versions macro, batch/dialect.ts): a version closes when the snapshot
  -- changes a customer's attributes or drops it, and a new current version opens.
WITH
  snapshot AS (
    SELECT
      *
    FROM
      `golden-project.audit.stg_customers`
  ),
  empty_dim AS (
    SELECT
      customer_id,
      customer_unique_id,
      customer_zip_code_prefix,
      customer_city,
      customer_state,
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
      `golden-project.mart.dim_customers`
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
      snapshot.customer_id IS NULL
      OR previous.customer_unique_id IS DISTINCT FROM snapshot.customer_unique_id
      OR previous.customer_zip_code_prefix IS DISTINCT FROM snapshot.customer_zip_code_prefix
      OR previous.customer_city IS DISTINCT FROM snapshot.customer_city
      OR previous.customer_state IS DISTINCT FROM snapshot.customer_state AS ends
    FROM
      previous
      LEFT JOIN snapshot ON previous.customer_id = snapshot.customer_id
    WHERE
      previous.is_current
  ),
  kept AS (
    SELECT
      customer_id,
      customer_unique_id,
      customer_zip_code_prefix,
      customer_city,
      customer_state,
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
      customer_id,
      customer_unique_id,
      customer_zip_code_prefix,
      customer_city,
      customer_state,
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
      snapshot.customer_id,
      snapshot.customer_unique_id,
      snapshot.customer_zip_code_prefix,
      snapshot.customer_city,
      snapshot.customer_state,
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
      LEFT JOIN kept ON snapshot.customer_id = kept.customer_id
    WHERE
      kept.customer_id IS NULL
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
