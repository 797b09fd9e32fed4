SELECT
  product_id,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.stg_products`
WHERE
  TRUE
GROUP BY
  product_id
HAVING
  COUNT(*) > 1
