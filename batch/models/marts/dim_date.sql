-- config: materialized=table publish=replace
-- One row per calendar day, whole years from the earliest to the latest purchase date ever
-- published or in the run (and the run's own date): derived from the data, so any date the
-- contract accepts (2000-2099) has its row. It only grows: published days are never dropped.
WITH no_published_days AS (
  SELECT CAST(NULL AS DATE) AS date_day FROM {{ ref('int_affected_dates') }} WHERE FALSE
),

published AS (
  SELECT date_day FROM {{ previous('dim_date', 'no_published_days') }}
),

known_days AS (
  SELECT purchase_date AS date_day FROM {{ ref('int_affected_dates') }}
  UNION ALL
  SELECT date_day FROM published
  UNION ALL
  SELECT {{ as_of() }}
),

bounds AS (
  SELECT {{ year_start('MIN(date_day)') }} AS first_day, {{ year_end('MAX(date_day)') }} AS last_day
  FROM known_days
),

days AS (
  SELECT date_day FROM bounds, {{ date_spine('bounds.first_day', 'bounds.last_day') }}
),

calendar AS (
  SELECT
    date_day,
    EXTRACT(YEAR FROM date_day) AS year,
    EXTRACT(QUARTER FROM date_day) AS quarter,
    EXTRACT(MONTH FROM date_day) AS month,
    EXTRACT(DAY FROM date_day) AS day_of_month,
    {{ iso_day_of_week('date_day') }} AS iso_day_of_week,
    {{ iso_day_of_week('date_day') }} >= 6 AS is_weekend,
    {{ month_start('date_day') }} AS month_start
  FROM days
)

SELECT * FROM calendar
