SELECT
  *
FROM
  audit.stg_customers
WHERE
  NOT (
    regexp_full_match(customer_zip_code_prefix, '[0-9]{5}')
  )
