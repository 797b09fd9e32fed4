SELECT
  *
FROM
  audit.stg_orders
WHERE
  order_id IS NULL
  OR customer_id IS NULL
  OR order_purchase_timestamp IS NULL
