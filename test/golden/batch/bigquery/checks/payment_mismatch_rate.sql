-- check: severity=blocking model=int_order_totals
-- Orders whose payments differ from price + freight by more than a cent stay under 5% of the
-- orders in scope that have items (Olist: 0.3%; an item-less order's payments always differ);
-- above that the producer, not the data, is likely broken.
WITH
  totals AS (
    SELECT
      *
    FROM
      `golden-project.audit.int_order_totals`
  ),
  rate AS (
    SELECT
      COUNT(
        CASE
          WHEN payment_mismatch
          AND item_count > 0 THEN 1
        END
      ) AS mismatched_orders,
      COUNT(
        CASE
          WHEN item_count > 0 THEN 1
        END
      ) AS orders
    FROM
      totals
  )
SELECT
  *
FROM
  rate
WHERE
  mismatched_orders > 0.05 * orders
