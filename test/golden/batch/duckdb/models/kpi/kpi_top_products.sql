CREATE OR REPLACE VIEW mart.kpi_top_products AS
-- config: materialized=view
-- Products ranked by revenue over all published days, with their current category.
WITH
  product_daily AS (
    SELECT
      *
    FROM
      mart.agg_product_daily
  ),
  products AS (
    SELECT
      *
    FROM
      mart.dim_products
    WHERE
      is_current
  ),
  totals AS (
    SELECT
      product_id,
      SUM(item_count) AS items_sold,
      SUM(order_count) AS orders,
      CAST(SUM(revenue) AS DECIMAL(18, 2)) AS revenue
    FROM
      product_daily
    GROUP BY
      product_id
  ),
  ranked AS (
    SELECT
      totals.product_id,
      products.product_category_name_english AS category,
      totals.items_sold,
      totals.orders,
      totals.revenue,
      RANK() OVER (
        ORDER BY
          totals.revenue DESC
      ) AS revenue_rank
    FROM
      totals
      LEFT JOIN products ON totals.product_id = products.product_id
  )
SELECT
  *
FROM
  ranked
