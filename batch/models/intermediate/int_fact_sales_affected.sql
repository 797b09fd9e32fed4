-- config: materialized=table
-- fact_sales of every affected date as it will read once published: the run's candidates, plus
-- the published rows of those dates whose order the run does not replace. The aggregates are
-- recomputed from this, so they never need raw rows the run did not read. Columns are named:
-- the published table may order them differently.
WITH candidates AS (
  SELECT * FROM {{ ref('fact_sales') }}
),

candidate_orders AS (
  SELECT order_id FROM {{ ref('fact_orders') }}
),

affected_dates AS (
  SELECT purchase_date FROM {{ ref('int_affected_dates') }}
),

no_published_rows AS (
  SELECT * FROM candidates WHERE FALSE
),

published AS (
  SELECT * FROM {{ previous('fact_sales', 'no_published_rows') }}
),

kept AS (
  SELECT *
  FROM published
  WHERE purchase_date IN (SELECT purchase_date FROM affected_dates)
    AND order_id NOT IN (SELECT order_id FROM candidate_orders)
),

affected AS (
  SELECT {{ columns('fact_sales') }} FROM candidates
  UNION ALL
  SELECT {{ columns('fact_sales') }} FROM kept
)

SELECT * FROM affected
