SELECT
  seller_id,
  COUNT(*) AS occurrences
FROM
  audit.stg_sellers
WHERE
  TRUE
GROUP BY
  seller_id
HAVING
  COUNT(*) > 1
