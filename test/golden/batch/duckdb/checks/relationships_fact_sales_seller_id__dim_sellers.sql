SELECT
  child.*
FROM
  audit.fact_sales AS child
  LEFT JOIN (
    SELECT DISTINCT
      seller_id AS parent_key
    FROM
      audit.dim_sellers
  ) AS parent ON child.seller_id = parent.parent_key
WHERE
  child.seller_id IS NOT NULL
  AND parent.parent_key IS NULL
