CREATE OR REPLACE VIEW mart.kpi_monthly_customer_growth AS
-- config: materialized=view
-- Per month: customers buying for the first time, active customers, and the running total.
WITH
  orders AS (
    SELECT
      *
    FROM
      mart.fact_orders
  ),
  first_purchase AS (
    SELECT
      customer_unique_id,
      MIN(CAST(date_trunc('month', purchase_date) AS DATE)) AS first_month
    FROM
      orders
    GROUP BY
      customer_unique_id
  ),
  new_per_month AS (
    SELECT
      first_month AS month,
      COUNT(*) AS new_customers
    FROM
      first_purchase
    GROUP BY
      first_month
  ),
  active_per_month AS (
    SELECT
      CAST(date_trunc('month', purchase_date) AS DATE) AS month,
      COUNT(DISTINCT customer_unique_id) AS active_customers
    FROM
      orders
    GROUP BY
      1
  ),
  growth AS (
    SELECT
      active_per_month.month,
      COALESCE(new_per_month.new_customers, 0) AS new_customers,
      active_per_month.active_customers,
      SUM(COALESCE(new_per_month.new_customers, 0)) OVER (
        ORDER BY
          active_per_month.month
      ) AS total_customers
    FROM
      active_per_month
      LEFT JOIN new_per_month ON active_per_month.month = new_per_month.month
  )
SELECT
  *
FROM
  growth
