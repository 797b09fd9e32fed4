CREATE OR REPLACE TABLE `golden-project.audit.fact_sales`
PARTITION BY
  purchase_date
CLUSTER BY
  seller_id,
  product_id AS
  -- config: materialized=table publish=merge unique_key=order_id keys_from=fact_orders partition_by=purchase_date cluster_by=seller_id,product_id
  -- One row per order item, partitioned by purchase date: keys, status, money (the order's
  -- payments allocated to items, so summing payments over items never double counts), and the
  -- order's delivery days and late flag from fact_orders.
WITH
  orders AS (
    SELECT
      *
    FROM
      `golden-project.audit.fact_orders`
  ),
  items AS (
    SELECT
      *
    FROM
      `golden-project.audit.stg_order_items`
  ),
  allocation AS (
    SELECT
      *
    FROM
      `golden-project.audit.int_item_payment_allocation`
  ),
  sales AS (
    SELECT
      items.order_id,
      items.order_item_id,
      orders.purchase_date,
      orders.order_purchase_timestamp,
      orders.customer_id,
      items.product_id,
      items.seller_id,
      orders.order_status,
      ROUND(CAST(items.price AS NUMERIC), 2) AS price,
      ROUND(CAST(items.freight_value AS NUMERIC), 2) AS freight_value,
      ROUND(
        CAST(items.price + items.freight_value AS NUMERIC),
        2
      ) AS item_total,
      CAST(allocation.allocated_cents AS NUMERIC) / 100 AS allocated_payment,
      orders.delivery_days,
      orders.is_delivered_late
    FROM
      items
      INNER JOIN orders ON items.order_id = orders.order_id
      INNER JOIN allocation ON items.order_id = allocation.order_id
      AND items.order_item_id = allocation.order_item_id
  )
SELECT
  *
FROM
  sales
