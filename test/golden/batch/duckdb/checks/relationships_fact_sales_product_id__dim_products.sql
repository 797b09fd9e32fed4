SELECT
  child.*
FROM
  audit.fact_sales AS child
  LEFT JOIN (
    SELECT DISTINCT
      product_id AS parent_key
    FROM
      audit.dim_products
    WHERE
      is_current
  ) AS parent ON child.product_id = parent.parent_key
WHERE
  child.product_id IS NOT NULL
  AND parent.parent_key IS NULL
