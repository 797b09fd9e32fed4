SELECT
  purchase_date,
  seller_id,
  COUNT(*) AS occurrences
FROM
  audit.agg_seller_daily
WHERE
  TRUE
GROUP BY
  purchase_date,
  seller_id
HAVING
  COUNT(*) > 1
