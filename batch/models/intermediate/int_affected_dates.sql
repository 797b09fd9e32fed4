-- config: materialized=table
-- The purchase dates whose aggregates the run recomputes: the dates of the run's order facts,
-- and the published dates of the orders it touches (an order whose purchase time changed leaves
-- its old date). Publish replaces exactly these dates' aggregate partitions.
WITH candidates AS (
  SELECT order_id, purchase_date FROM {{ ref('fact_orders') }}
),

no_published_orders AS (
  SELECT order_id, purchase_date FROM candidates WHERE FALSE
),

published AS (
  SELECT order_id, purchase_date FROM {{ previous('fact_orders', 'no_published_orders') }}
),

affected AS (
  SELECT purchase_date FROM candidates
  UNION DISTINCT
  SELECT purchase_date FROM published WHERE order_id IN (SELECT order_id FROM {{ audit('work_orders') }})
)

SELECT * FROM affected
