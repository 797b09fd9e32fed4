-- config: materialized=view
-- Cohorts by first purchase month: the share of each cohort buying again N months later.
WITH orders AS (
  SELECT * FROM {{ ref('fact_orders') }}
),

activity AS (
  SELECT DISTINCT customer_unique_id, {{ month_start('purchase_date') }} AS month
  FROM orders
),

cohorts AS (
  SELECT customer_unique_id, MIN(month) AS cohort_month
  FROM activity
  GROUP BY customer_unique_id
),

cohort_sizes AS (
  SELECT cohort_month, COUNT(*) AS cohort_customers
  FROM cohorts
  GROUP BY cohort_month
),

retention AS (
  SELECT
    cohorts.cohort_month,
    {{ month_diff('cohorts.cohort_month', 'activity.month') }} AS months_since_first,
    COUNT(*) AS active_customers
  FROM activity
  INNER JOIN cohorts ON activity.customer_unique_id = cohorts.customer_unique_id
  GROUP BY 1, 2
),

rates AS (
  SELECT
    retention.*,
    cohort_sizes.cohort_customers,
    {{ ratio('retention.active_customers', 'cohort_sizes.cohort_customers') }} AS retention_rate
  FROM retention
  INNER JOIN cohort_sizes ON retention.cohort_month = cohort_sizes.cohort_month
)

SELECT * FROM rates
