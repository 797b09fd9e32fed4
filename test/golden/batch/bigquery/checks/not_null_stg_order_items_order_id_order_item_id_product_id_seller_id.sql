SELECT
  *
FROM
  `golden-project.audit.stg_order_items`
WHERE
  order_id IS NULL
  OR order_item_id IS NULL
  OR product_id IS NULL
  OR seller_id IS NULL
