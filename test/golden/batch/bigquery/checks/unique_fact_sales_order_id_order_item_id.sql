SELECT
  order_id,
  order_item_id,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.fact_sales`
WHERE
  TRUE
GROUP BY
  order_id,
  order_item_id
HAVING
  COUNT(*) > 1
