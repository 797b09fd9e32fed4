SELECT
  customer_id,
  COUNT(*) AS occurrences
FROM
  audit.dim_customers
WHERE
  is_current
GROUP BY
  customer_id
HAVING
  COUNT(*) > 1
