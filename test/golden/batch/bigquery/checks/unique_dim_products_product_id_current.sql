SELECT
  product_id,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.dim_products`
WHERE
  is_current
GROUP BY
  product_id
HAVING
  COUNT(*) > 1
