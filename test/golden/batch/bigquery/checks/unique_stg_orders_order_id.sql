SELECT
  order_id,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.stg_orders`
WHERE
  TRUE
GROUP BY
  order_id
HAVING
  COUNT(*) > 1
