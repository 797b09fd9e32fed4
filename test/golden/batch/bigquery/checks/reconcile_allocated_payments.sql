-- check: severity=blocking model=fact_sales
-- Per order with items, the payments allocated to its items sum exactly to its staged payments
-- (an order without items keeps its payments in fact_orders only: there is nothing to allocate to).
WITH
  staged AS (
    SELECT
      order_id,
      SUM(payment_value) AS payment_value
    FROM
      `golden-project.audit.stg_order_payments`
    WHERE
      order_id IN (
        SELECT
          order_id
        FROM
          `golden-project.audit.stg_orders`
      )
      AND order_id IN (
        SELECT
          order_id
        FROM
          `golden-project.audit.stg_order_items`
      )
    GROUP BY
      order_id
  ),
  allocated AS (
    SELECT
      order_id,
      SUM(allocated_payment) AS allocated_payment
    FROM
      `golden-project.audit.fact_sales`
    GROUP BY
      order_id
  ),
  differences AS (
    SELECT
      COALESCE(staged.order_id, allocated.order_id) AS order_id,
      staged.payment_value,
      allocated.allocated_payment
    FROM
      staged
      FULL OUTER JOIN allocated ON staged.order_id = allocated.order_id
    WHERE
      COALESCE(staged.payment_value, 0) <> COALESCE(allocated.allocated_payment, 0)
  )
SELECT
  *
FROM
  differences
