SELECT
  *
FROM
  `golden-project.audit.fact_sales`
WHERE
  order_id IS NULL
  OR order_item_id IS NULL
  OR purchase_date IS NULL
  OR customer_id IS NULL
  OR product_id IS NULL
  OR seller_id IS NULL
