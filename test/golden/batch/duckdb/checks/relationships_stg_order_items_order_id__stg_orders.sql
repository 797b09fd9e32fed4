SELECT
  child.*
FROM
  audit.stg_order_items AS child
  LEFT JOIN (
    SELECT DISTINCT
      order_id AS parent_key
    FROM
      audit.stg_orders
  ) AS parent ON child.order_id = parent.parent_key
WHERE
  child.order_id IS NOT NULL
  AND parent.parent_key IS NULL
