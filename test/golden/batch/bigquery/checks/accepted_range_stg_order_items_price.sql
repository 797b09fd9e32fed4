SELECT
  *
FROM
  `golden-project.audit.stg_order_items`
WHERE
  NOT (
    price >= 0
    AND freight_value >= 0
  )
