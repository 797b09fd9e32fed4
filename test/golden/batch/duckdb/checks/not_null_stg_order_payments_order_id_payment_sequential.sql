SELECT
  *
FROM
  audit.stg_order_payments
WHERE
  order_id IS NULL
  OR payment_sequential IS NULL
