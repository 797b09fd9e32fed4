SELECT
  payment_type,
  COUNT(*) AS occurrences
FROM
  audit.stg_order_payments
WHERE
  payment_type NOT IN (
    'credit_card',
    'boleto',
    'voucher',
    'debit_card',
    'not_defined'
  )
GROUP BY
  payment_type
