import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'sql-parser-cst';
import { UsageError } from '../../common/errors.ts';
import { setupBigQuery, type BigQueryAdmin, type Outcome } from '../../streaming/sinks/bigquery/setup.ts';

const schemaFile = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/raw/${name}.json`, import.meta.url), 'utf8')) as unknown;

/** Records every call setup makes; answers as an empty project would, then as one where everything exists. */
function recordingAdmin(existing = new Set<string>()) {
  const calls: { method: string; dataset: string; name?: string; resource: Record<string, unknown> }[] = [];
  const answer = (key: string, onExisting: Outcome): Outcome => {
    const outcome = existing.has(key) ? onExisting : 'created';
    existing.add(key);
    return outcome;
  };
  const admin: BigQueryAdmin = {
    createDataset: async (dataset, resource) => (calls.push({ method: 'createDataset', dataset, resource: { ...resource } }), answer(dataset, 'exists')),
    createTable: async (dataset, name, resource) => (calls.push({ method: 'createTable', dataset, name, resource: { ...resource } }), answer(`${dataset}.${name}`, 'exists')),
    putView: async (dataset, name, resource) => (calls.push({ method: 'putView', dataset, name, resource: { ...resource } }), answer(`${dataset}.${name}`, 'updated')),
  };
  return { admin, calls, existing };
}

describe('setupBigQuery', () => {
  test('creates the dataset, then the four tables and the replay log exactly as schemas/ declares them, then the three views', async () => {
    const { admin, calls } = recordingAdmin();
    const steps = await setupBigQuery({ projectId: 'orderflow-test', location: 'EU', admin });
    assert.deepEqual(calls.map((c) => `${c.method} ${c.dataset}${c.name ? `.${c.name}` : ''}`), [
      'createDataset raw',
      'createTable raw.orders', 'createTable raw.order_items', 'createTable raw.order_payments', 'createTable raw.dead_letter', 'createTable raw.dead_letter_replays',
      'putView raw.orders_current', 'putView raw.order_items_current', 'putView raw.order_payments_current',
    ]);
    assert.equal(calls[0]!.resource.location, 'EU');
    const orders = calls.find((c) => c.name === 'orders')!.resource;
    assert.deepEqual(orders.schema, { fields: schemaFile('orders') });
    assert.deepEqual(orders.timePartitioning, { type: 'DAY', field: 'ingested_at' });
    assert.deepEqual(orders.clustering, { fields: ['order_id'] });
    const deadLetter = calls.find((c) => c.name === 'dead_letter')!.resource;
    assert.deepEqual(deadLetter.schema, { fields: schemaFile('dead_letter') }, 'REPEATED RECORD columns as-is');
    assert.deepEqual(deadLetter.timePartitioning, { type: 'DAY', field: 'received_at' });
    assert.deepEqual(deadLetter.clustering, { fields: ['error_code'] });
    assert.deepEqual(calls.find((c) => c.name === 'order_items')!.resource.schema, { fields: schemaFile('order_items') });
    assert.ok(steps.every((s) => s.outcome === 'created'));
  });

  test('views are standard SQL over this project and dataset, and parse as BigQuery SQL', async () => {
    const { admin, calls } = recordingAdmin();
    await setupBigQuery({ projectId: 'orderflow-test', dataset: 'raw_ci', admin });
    const views = calls.filter((c) => c.method === 'putView');
    assert.equal(views.length, 3);
    for (const { name, dataset, resource } of views) {
      const view = resource.view as { query: string; useLegacySql: boolean };
      assert.equal(view.useLegacySql, false);
      assert.equal(dataset, 'raw_ci');
      assert.match(view.query, new RegExp(`\`orderflow-test\\.raw_ci\\.${name!.replace(/_current$/, '')}\``));
      assert.doesNotMatch(view.query, /\$\{/);
      assert.doesNotThrow(() => parse(view.query, { dialect: 'bigquery' }), name);
    }
  });

  test('re-running is safe: existing dataset and tables are kept, views get the current query', async () => {
    const { admin, existing } = recordingAdmin();
    await setupBigQuery({ projectId: 'orderflow-test', admin });
    const again = await setupBigQuery({ projectId: 'orderflow-test', admin: recordingAdmin(existing).admin });
    assert.deepEqual(again.map((s) => `${s.kind}:${s.outcome}`), ['dataset:exists', 'table:exists', 'table:exists', 'table:exists', 'table:exists', 'table:exists', 'view:updated', 'view:updated', 'view:updated']);
  });

  test('a bad project id or dataset is one UsageError line and nothing is called', async () => {
    const { admin, calls } = recordingAdmin();
    await assert.rejects(setupBigQuery({ projectId: 'Not A Project', admin }), (e: unknown) => e instanceof UsageError && !e.message.includes('\n') && /project id/.test(e.message));
    await assert.rejects(setupBigQuery({ projectId: 'orderflow-test', dataset: 'raw-1', admin }), (e: unknown) => e instanceof UsageError && /dataset "raw-1"/.test(e.message));
    assert.equal(calls.length, 0);
  });
});
