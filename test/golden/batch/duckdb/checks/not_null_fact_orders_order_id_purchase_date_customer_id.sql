SELECT
  *
FROM
  audit.fact_orders
WHERE
  order_id IS NULL
  OR purchase_date IS NULL
  OR customer_id IS NULL
