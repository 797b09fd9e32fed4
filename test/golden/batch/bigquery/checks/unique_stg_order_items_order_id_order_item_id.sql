SELECT
  order_id,
  order_item_id,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.stg_order_items`
WHERE
  TRUE
GROUP BY
  order_id,
  order_item_id
HAVING
  COUNT(*) > 1
