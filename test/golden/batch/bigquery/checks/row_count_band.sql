-- check: severity=warning model=fact_orders
-- Each rebuilt date's order count lies within 0.5x-2x the average of the 7 days before it as
-- published (no published history, no verdict).
WITH
  candidate AS (
    SELECT
      purchase_date,
      COUNT(*) AS order_count
    FROM
      `golden-project.audit.int_fact_orders_affected`
    GROUP BY
      purchase_date
  ),
  no_history AS (
    SELECT
      purchase_date,
      order_count
    FROM
      `golden-project.audit.agg_daily_sales`
    WHERE
      FALSE
  ),
  published AS (
    SELECT
      purchase_date,
      order_count
    FROM
      `golden-project.mart.agg_daily_sales`
  ),
  banded AS (
    SELECT
      candidate.purchase_date,
      candidate.order_count,
      AVG(published.order_count) AS trailing_avg
    FROM
      candidate
      INNER JOIN published ON published.purchase_date < candidate.purchase_date
      AND published.purchase_date >= DATE_ADD(candidate.purchase_date, INTERVAL -7 DAY)
    GROUP BY
      candidate.purchase_date,
      candidate.order_count
  )
SELECT
  *
FROM
  banded
WHERE
  order_count < 0.5 * trailing_avg
  OR order_count > 2 * trailing_avg
