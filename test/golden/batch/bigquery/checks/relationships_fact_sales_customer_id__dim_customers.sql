SELECT
  child.*
FROM
  `golden-project.audit.fact_sales` AS child
  LEFT JOIN (
    SELECT DISTINCT
      customer_id AS parent_key
    FROM
      `golden-project.audit.dim_customers`
    WHERE
      is_current
  ) AS parent ON child.customer_id = parent.parent_key
WHERE
  child.customer_id IS NOT NULL
  AND parent.parent_key IS NULL
