SELECT
  product_id,
  valid_from,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.dim_products`
WHERE
  TRUE
GROUP BY
  product_id,
  valid_from
HAVING
  COUNT(*) > 1
