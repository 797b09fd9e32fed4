-- config: materialized=table publish=replace
-- One row per calendar day over Olist's span and well beyond (2016-2030).
WITH days AS (
  SELECT date_day FROM {{ date_spine('2016-01-01', '2030-12-31') }}
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
