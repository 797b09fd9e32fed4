SELECT
  purchase_date,
  product_id,
  COUNT(*) AS occurrences
FROM
  audit.agg_product_daily
WHERE
  TRUE
GROUP BY
  purchase_date,
  product_id
HAVING
  COUNT(*) > 1
