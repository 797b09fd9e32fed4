CREATE OR REPLACE VIEW `golden-project.mart.kpi_sales_trend` AS
-- config: materialized=view
-- Daily revenue and orders with a trailing 7-day average of revenue.
WITH
  daily AS (
    SELECT
      *
    FROM
      `golden-project.mart.agg_daily_sales`
  ),
  trend AS (
    SELECT
      purchase_date,
      order_count,
      revenue,
      order_total,
      AVG(revenue) OVER (
        ORDER BY
          purchase_date ROWS BETWEEN 6 PRECEDING
          AND CURRENT ROW
      ) AS revenue_7d_avg
    FROM
      daily
  )
SELECT
  *
FROM
  trend
