-- check: severity=blocking model=agg_daily_sales
-- Every daily aggregate adds up to its facts, per purchase date: one row per aggregate and date
-- that does not (revenue and item counts from fact_sales, orders and payments from fact_orders, as
-- they will read once published).
WITH
  sales AS (
    SELECT
      purchase_date,
      SUM(price) AS revenue,
      COUNT(*) AS item_count
    FROM
      `golden-project.audit.int_fact_sales_affected`
    GROUP BY
      purchase_date
  ),
  orders AS (
    SELECT
      purchase_date,
      COUNT(*) AS order_count,
      SUM(payment_value) AS payment_value
    FROM
      `golden-project.audit.int_fact_orders_affected`
    GROUP BY
      purchase_date
  ),
  aggregates AS (
    SELECT
      'agg_daily_sales' AS aggregate,
      purchase_date,
      SUM(revenue) AS revenue,
      SUM(item_count) AS item_count,
      SUM(order_count) AS order_count,
      SUM(payment_value) AS payment_value
    FROM
      `golden-project.audit.agg_daily_sales`
    GROUP BY
      purchase_date
    UNION ALL
    SELECT
      'agg_seller_daily',
      purchase_date,
      SUM(revenue),
      SUM(item_count),
      NULL,
      NULL
    FROM
      `golden-project.audit.agg_seller_daily`
    GROUP BY
      purchase_date
    UNION ALL
    SELECT
      'agg_product_daily',
      purchase_date,
      SUM(revenue),
      SUM(item_count),
      NULL,
      NULL
    FROM
      `golden-project.audit.agg_product_daily`
    GROUP BY
      purchase_date
    UNION ALL
    SELECT
      'agg_state_daily',
      purchase_date,
      SUM(revenue),
      NULL,
      SUM(order_count),
      SUM(payment_value)
    FROM
      `golden-project.audit.agg_state_daily`
    GROUP BY
      purchase_date
  ),
  differences AS (
    SELECT
      aggregates.*,
      sales.revenue AS fact_revenue,
      sales.item_count AS fact_item_count,
      orders.order_count AS fact_order_count,
      orders.payment_value AS fact_payment_value
    FROM
      aggregates
      LEFT JOIN sales ON aggregates.purchase_date = sales.purchase_date
      LEFT JOIN orders ON aggregates.purchase_date = orders.purchase_date
    WHERE
      COALESCE(aggregates.revenue, 0) <> COALESCE(sales.revenue, 0)
      OR (
        aggregates.item_count IS NOT NULL
        AND aggregates.item_count <> COALESCE(sales.item_count, 0)
      )
      OR (
        aggregates.order_count IS NOT NULL
        AND aggregates.order_count <> orders.order_count
      )
      OR (
        aggregates.payment_value IS NOT NULL
        AND aggregates.payment_value <> orders.payment_value
      )
  )
SELECT
  *
FROM
  differences
