CREATE OR REPLACE TABLE `golden-project.audit.dim_date` AS
-- config: materialized=table publish=replace
-- One row per calendar day, whole years from the earliest to the latest purchase date ever
-- published or in the run (and the run's own date): derived from the data, so any date the
-- contract accepts (2000-2099) has its row. It only grows: published days are never dropped.
WITH
  no_published_days AS (
    SELECT
      CAST(NULL AS DATE) AS date_day
    FROM
      `golden-project.audit.int_affected_dates`
    WHERE
      FALSE
  ),
  published AS (
    SELECT
      date_day
    FROM
      `golden-project.mart.dim_date`
  ),
  known_days AS (
    SELECT
      purchase_date AS date_day
    FROM
      `golden-project.audit.int_affected_dates`
    UNION ALL
    SELECT
      date_day
    FROM
      published
    UNION ALL
    SELECT
      DATE '2026-01-01'
  ),
  bounds AS (
    SELECT
      DATE_TRUNC(MIN(date_day), YEAR) AS first_day,
      DATE_SUB(
        DATE_ADD(DATE_TRUNC(MAX(date_day), YEAR), INTERVAL 1 YEAR),
        INTERVAL 1 DAY
      ) AS last_day
    FROM
      known_days
  ),
  days AS (
    SELECT
      date_day
    FROM
      bounds,
      UNNEST (
        GENERATE_DATE_ARRAY(bounds.first_day, bounds.last_day)
      ) AS date_day
  ),
  calendar AS (
    SELECT
      date_day,
      EXTRACT(
        YEAR
        FROM
          date_day
      ) AS year,
      EXTRACT(
        QUARTER
        FROM
          date_day
      ) AS quarter,
      EXTRACT(
        MONTH
        FROM
          date_day
      ) AS month,
      EXTRACT(
        DAY
        FROM
          date_day
      ) AS day_of_month,
      (
        MOD(
          EXTRACT(
            DAYOFWEEK
            FROM
              date_day
          ) + 5,
          7
        ) + 1
      ) AS iso_day_of_week,
      (
        MOD(
          EXTRACT(
            DAYOFWEEK
            FROM
              date_day
          ) + 5,
          7
        ) + 1
      ) >= 6 AS is_weekend,
      DATE_TRUNC(date_day, MONTH) AS month_start
    FROM
      days
  )
SELECT
  *
FROM
  calendar
