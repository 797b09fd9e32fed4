SELECT
  child.*
FROM
  audit.fact_orders AS child
  LEFT JOIN (
    SELECT DISTINCT
      date_day AS parent_key
    FROM
      audit.dim_date
  ) AS parent ON child.purchase_date = parent.parent_key
WHERE
  child.purchase_date IS NOT NULL
  AND parent.parent_key IS NULL
