SELECT
  order_id,
  payment_sequential,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.stg_order_payments`
WHERE
  TRUE
GROUP BY
  order_id,
  payment_sequential
HAVING
  COUNT(*) > 1
