SELECT
  *
FROM
  audit.stg_sellers
WHERE
  NOT (
    regexp_full_match(seller_zip_code_prefix, '[0-9]{5}')
  )
