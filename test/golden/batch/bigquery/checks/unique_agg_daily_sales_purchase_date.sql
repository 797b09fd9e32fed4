SELECT
  purchase_date,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.agg_daily_sales`
WHERE
  TRUE
GROUP BY
  purchase_date
HAVING
  COUNT(*) > 1
