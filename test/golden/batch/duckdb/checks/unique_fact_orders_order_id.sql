SELECT
  order_id,
  COUNT(*) AS occurrences
FROM
  audit.fact_orders
WHERE
  TRUE
GROUP BY
  order_id
HAVING
  COUNT(*) > 1
