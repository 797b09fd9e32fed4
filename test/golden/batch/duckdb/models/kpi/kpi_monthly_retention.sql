CREATE OR REPLACE VIEW mart.kpi_monthly_retention AS
-- config: materialized=view
-- Cohorts by first purchase month: the share of each cohort buying again N months later.
WITH
  orders AS (
    SELECT
      *
    FROM
      mart.fact_orders
  ),
  activity AS (
    SELECT DISTINCT
      customer_unique_id,
      CAST(date_trunc('month', purchase_date) AS DATE) AS month
    FROM
      orders
  ),
  cohorts AS (
    SELECT
      customer_unique_id,
      MIN(month) AS cohort_month
    FROM
      activity
    GROUP BY
      customer_unique_id
  ),
  cohort_sizes AS (
    SELECT
      cohort_month,
      COUNT(*) AS cohort_customers
    FROM
      cohorts
    GROUP BY
      cohort_month
  ),
  retention AS (
    SELECT
      cohorts.cohort_month,
      date_diff('month', cohorts.cohort_month, activity.month) AS months_since_first,
      COUNT(*) AS active_customers
    FROM
      activity
      INNER JOIN cohorts ON activity.customer_unique_id = cohorts.customer_unique_id
    GROUP BY
      1,
      2
  ),
  rates AS (
    SELECT
      retention.*,
      cohort_sizes.cohort_customers,
      CASE
        WHEN (cohort_sizes.cohort_customers) = 0 THEN NULL
        ELSE CAST(retention.active_customers AS DOUBLE) / (cohort_sizes.cohort_customers)
      END AS retention_rate
    FROM
      retention
      INNER JOIN cohort_sizes ON retention.cohort_month = cohort_sizes.cohort_month
  )
SELECT
  *
FROM
  rates
