SELECT
  *
FROM
  `golden-project.audit.stg_customers`
WHERE
  NOT (
    REGEXP_CONTAINS(customer_zip_code_prefix, r'^[0-9]{5}$')
  )
