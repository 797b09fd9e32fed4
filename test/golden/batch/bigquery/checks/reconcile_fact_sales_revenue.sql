-- check: severity=blocking model=fact_sales
-- Fact revenue and freight equal the staged items of the orders in scope, per purchase date.
WITH
  orders AS (
    SELECT
      order_id,
      purchase_date
    FROM
      `golden-project.audit.stg_orders`
  ),
  staged AS (
    SELECT
      orders.purchase_date,
      SUM(items.price) AS price,
      SUM(items.freight_value) AS freight_value
    FROM
      `golden-project.audit.stg_order_items` AS items
      INNER JOIN orders ON items.order_id = orders.order_id
    GROUP BY
      orders.purchase_date
  ),
  facts AS (
    SELECT
      purchase_date,
      SUM(price) AS price,
      SUM(freight_value) AS freight_value
    FROM
      `golden-project.audit.fact_sales`
    GROUP BY
      purchase_date
  ),
  differences AS (
    SELECT
      COALESCE(staged.purchase_date, facts.purchase_date) AS purchase_date,
      staged.price AS staged_price,
      facts.price AS fact_price,
      staged.freight_value AS staged_freight,
      facts.freight_value AS fact_freight
    FROM
      staged
      FULL OUTER JOIN facts ON staged.purchase_date = facts.purchase_date
    WHERE
      staged.price IS DISTINCT FROM facts.price
      OR staged.freight_value IS DISTINCT FROM facts.freight_value
  )
SELECT
  *
FROM
  differences
