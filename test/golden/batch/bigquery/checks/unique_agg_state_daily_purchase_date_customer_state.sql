SELECT
  purchase_date,
  customer_state,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.agg_state_daily`
WHERE
  TRUE
GROUP BY
  purchase_date,
  customer_state
HAVING
  COUNT(*) > 1
