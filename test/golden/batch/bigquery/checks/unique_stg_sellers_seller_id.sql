SELECT
  seller_id,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.stg_sellers`
WHERE
  TRUE
GROUP BY
  seller_id
HAVING
  COUNT(*) > 1
