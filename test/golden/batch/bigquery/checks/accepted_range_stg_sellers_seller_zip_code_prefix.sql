SELECT
  *
FROM
  `golden-project.audit.stg_sellers`
WHERE
  NOT (
    REGEXP_CONTAINS(seller_zip_code_prefix, r'^[0-9]{5}$')
  )
