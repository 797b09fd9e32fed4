import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'sql-parser-cst';
import { compileProject } from '../../batch/project.ts';
import { loadModels } from '../../batch/models.ts';

const GOLDEN = new URL('../golden/batch/', import.meta.url).pathname;
const options = {
  duckdb: { engine: 'duckdb', project: 'golden-project', timeZone: 'America/Sao_Paulo', asOf: '2026-01-01' },
  bigquery: { engine: 'bigquery', project: 'golden-project', timeZone: 'America/Sao_Paulo', asOf: '2026-01-01' },
} as const;

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('batch compile: the SQL a run sends, as golden files per engine (a macro change shows in review)', () => {
  for (const engine of ['duckdb', 'bigquery'] as const) {
    test(`${engine}: compiled files equal test/golden/batch/${engine} (regenerate with npm run golden:batch)`, () => {
      const compiled = compileProject(options[engine]);
      const golden = filesUnder(join(GOLDEN, engine));
      assert.deepEqual([...compiled.keys()].sort(), [...golden.keys()].sort());
      for (const [path, content] of compiled)
        assert.equal(content, golden.get(path), `${engine}/${path} differs from its golden file: run npm run golden:batch and review the diff`);
    });
  }

  test('the BigQuery SQL parses, every model has a file, the manifest lists refs, sources, columns and checks', () => {
    const compiled = compileProject(options.bigquery);
    for (const [path, sql] of compiled) if (path.endsWith('.sql')) assert.doesNotThrow(() => parse(sql, { dialect: 'bigquery' }), path);
    const manifest = JSON.parse(compiled.get('manifest.json')!);
    assert.equal(manifest.models.length, loadModels().length);
    const fact = manifest.models.find((m: { name: string }) => m.name === 'fact_sales');
    assert.deepEqual(fact.refs.sort(), ['fact_orders', 'int_item_payment_allocation', 'stg_order_items']);
    assert.equal(fact.publish, 'merge');
    assert.ok(fact.columns.every((c: { description: string; type: string }) => c.description && c.type));
    assert.ok(fact.checks.includes('unique_fact_sales_order_id_order_item_id'));
    const staged = manifest.models.find((m: { name: string }) => m.name === 'stg_orders');
    assert.deepEqual(staged.sources, { raw: ['orders'], snapshots: [] });
    const customers = manifest.models.find((m: { name: string }) => m.name === 'stg_customers');
    assert.deepEqual(customers.sources.snapshots, [{ table: 'snapshot_customers', file: 'olist_customers_dataset.csv' }]);
    assert.ok(compiled.get('models/marts/fact_sales.sql')!.includes('CREATE OR REPLACE TABLE `golden-project.audit.fact_sales`'));
    assert.ok(compiled.get('models/kpi/kpi_top_products.sql')!.includes('`golden-project.mart.agg_product_daily`'), 'KPI views read mart through ref()');
  });
});
