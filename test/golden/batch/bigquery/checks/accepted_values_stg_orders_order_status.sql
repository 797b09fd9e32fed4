SELECT
  order_status,
  COUNT(*) AS occurrences
FROM
  `golden-project.audit.stg_orders`
WHERE
  order_status NOT IN (
    'created',
    'approved',
    'invoiced',
    'processing',
    'shipped',
    'delivered',
    'canceled',
    'unavailable'
  )
GROUP BY
  order_status
