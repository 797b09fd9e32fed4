-- config: materialized=table publish=partitions partition_by=purchase_date cluster_by=customer_id
-- One row per order, partitioned by purchase date, with the customer as currently known.
WITH orders AS (
  SELECT * FROM {{ ref('stg_orders') }}
),

totals AS (
  SELECT * FROM {{ ref('int_order_totals') }}
),

customers AS (
  SELECT * FROM {{ ref('dim_customers') }} WHERE is_current
),

order_facts AS (
  SELECT
    orders.order_id,
    orders.purchase_date,
    orders.order_purchase_timestamp,
    orders.customer_id,
    customers.customer_unique_id,
    customers.customer_city,
    customers.customer_state,
    orders.order_status,
    totals.item_count,
    totals.items_price,
    totals.items_freight AS freight_value,
    totals.items_total AS order_total,
    totals.payment_count,
    totals.payment_value,
    totals.payment_mismatch,
    orders.order_approved_at,
    orders.order_delivered_carrier_date,
    orders.order_delivered_customer_date,
    orders.order_estimated_delivery_date,
    {{ date_diff_days('orders.order_purchase_timestamp', 'orders.order_delivered_customer_date') }} AS delivery_days,
    CASE
      WHEN orders.order_delivered_customer_date IS NULL THEN NULL
      ELSE CAST(orders.order_delivered_customer_date AS DATE) > CAST(orders.order_estimated_delivery_date AS DATE)
    END AS is_delivered_late
  FROM orders
  INNER JOIN totals ON orders.order_id = totals.order_id
  LEFT JOIN customers ON orders.customer_id = customers.customer_id
)

SELECT * FROM order_facts
