-- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=product_id
-- Sales per product and purchase date, from the item facts.
WITH sales AS (
  SELECT * FROM {{ ref('int_fact_sales_affected') }}
),

product_daily AS (
  SELECT
    purchase_date,
    product_id,
    COUNT(DISTINCT order_id) AS order_count,
    COUNT(*) AS item_count,
    {{ money('SUM(price)') }} AS revenue,
    {{ money('SUM(allocated_payment)') }} AS allocated_payment
  FROM sales
  GROUP BY purchase_date, product_id
)

SELECT * FROM product_daily
