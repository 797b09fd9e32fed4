SELECT
  *
FROM
  `golden-project.audit.stg_order_payments`
WHERE
  NOT (
    payment_value >= 0
    AND payment_installments BETWEEN 0 AND 24
  )
