SELECT
  customer_id,
  COUNT(*) AS occurrences
FROM
  audit.stg_customers
WHERE
  TRUE
GROUP BY
  customer_id
HAVING
  COUNT(*) > 1
