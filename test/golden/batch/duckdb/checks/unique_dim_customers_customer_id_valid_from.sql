SELECT
  customer_id,
  valid_from,
  COUNT(*) AS occurrences
FROM
  audit.dim_customers
WHERE
  TRUE
GROUP BY
  customer_id,
  valid_from
HAVING
  COUNT(*) > 1
