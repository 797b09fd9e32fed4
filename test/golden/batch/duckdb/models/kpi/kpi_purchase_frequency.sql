CREATE OR REPLACE VIEW mart.kpi_purchase_frequency AS
-- config: materialized=view
-- How many customers (customer_unique_id) bought once, twice, ... over all published days.
WITH
  orders AS (
    SELECT
      *
    FROM
      mart.fact_orders
  ),
  per_customer AS (
    SELECT
      customer_unique_id,
      COUNT(*) AS orders
    FROM
      orders
    GROUP BY
      customer_unique_id
  ),
  frequency AS (
    SELECT
      orders AS orders_per_customer,
      COUNT(*) AS customers
    FROM
      per_customer
    GROUP BY
      orders
  )
SELECT
  *
FROM
  frequency
