CREATE OR REPLACE VIEW mart.kpi_seller_delivery_time AS
-- config: materialized=view
-- Average days from purchase to delivery per seller (delivered items), flagging sellers more than
-- two standard deviations slower or faster than the sellers' mean as outliers.
WITH
  sales AS (
    SELECT
      *
    FROM
      mart.fact_sales
    WHERE
      delivery_days IS NOT NULL
  ),
  per_seller AS (
    SELECT
      seller_id,
      COUNT(DISTINCT order_id) AS delivered_orders,
      AVG(delivery_days) AS avg_delivery_days,
      AVG(
        CASE
          WHEN is_delivered_late THEN 1
          ELSE 0
        END
      ) AS late_share
    FROM
      sales
    GROUP BY
      seller_id
  ),
  spread AS (
    SELECT
      AVG(avg_delivery_days) AS mean_days,
      STDDEV_SAMP(avg_delivery_days) AS stddev_days
    FROM
      per_seller
  ),
  flagged AS (
    SELECT
      per_seller.*,
      COALESCE(
        ABS(per_seller.avg_delivery_days - spread.mean_days) > 2 * spread.stddev_days,
        FALSE
      ) AS is_outlier
    FROM
      per_seller
      CROSS JOIN spread
  )
SELECT
  *
FROM
  flagged
