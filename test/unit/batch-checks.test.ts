import assert from 'node:assert/strict';
import { test } from 'node:test';
import { genericCheck, loadChecks } from '../../batch/audits/checks.ts';
import { loadModels } from '../../batch/models.ts';

test('checks beside the models compile to dbt-named queries that return offending rows', () => {
  assert.deepEqual(genericCheck('dim_customers', { test: 'unique', columns: ['customer_id'], where: 'is_current' }), {
    name: 'unique_dim_customers_customer_id_current',
    severity: 'blocking',
    model: 'dim_customers',
    sql: "SELECT customer_id, COUNT(*) AS occurrences FROM {{ ref('dim_customers') }} WHERE is_current GROUP BY customer_id HAVING COUNT(*) > 1",
  });
  assert.equal(
    genericCheck('fact_sales', { test: 'relationships', column: 'purchase_date', to: 'dim_date', field: 'date_day' }).name,
    'relationships_fact_sales_purchase_date__dim_date',
  );
  assert.match(genericCheck('stg_orders', { test: 'accepted_values', column: 'order_status', values: ['a', 'b'] }).sql, /NOT IN \('a', 'b'\)/);
  assert.throws(() => genericCheck('m', { test: 'nope' } as never), /model m: unknown check nope/);
});

test('every published model and every staging model is checked; the SQL-file checks carry their severity', () => {
  const models = loadModels();
  const checks = loadChecks(models);
  for (const model of models.filter((m) => m.publish !== 'none' || (m.layer === 'staging' && m.name !== 'stg_product_categories'))) {
    assert.ok(
      checks.some((c) => c.model === model.name),
      model.name,
    );
  }
  assert.equal(new Set(checks.map((c) => c.name)).size, checks.length, 'check names are unique');
  const severities = Object.fromEntries(checks.filter((c) => !c.sql.startsWith('SELECT')).map((c) => [c.name, c.severity]));
  assert.deepEqual(severities, {
    dims_row_count_drop: 'blocking',
    integer_text_stg_products: 'blocking',
    untranslated_categories: 'warning',
    freshness: 'warning',
    payment_mismatch_rate: 'blocking',
    reconcile_aggregates: 'blocking',
    reconcile_allocated_payments: 'blocking',
    reconcile_fact_sales_revenue: 'blocking',
    row_count_band: 'warning',
  });
});
