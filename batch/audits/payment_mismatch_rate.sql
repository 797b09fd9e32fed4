-- check: severity=blocking model=int_order_totals
-- Orders whose payments differ from price + freight by more than a cent stay under 5% of the
-- orders in scope (Olist: 0.3%); above that the producer, not the data, is likely broken.
WITH totals AS (
  SELECT * FROM {{ ref('int_order_totals') }}
),

rate AS (
  SELECT
    COUNT(CASE WHEN payment_mismatch THEN 1 END) AS mismatched_orders,
    COUNT(*) AS orders
  FROM totals
)

SELECT * FROM rate WHERE mismatched_orders > 0.05 * orders
