import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'sql-parser-cst';
import { OperationalError, UsageError } from '../../common/errors.ts';
import { setupBigQuery, type BigQueryAdmin, type SetupOutcome } from '../../setup/bigquery.ts';
import { defaultOf, loadModule, resource } from '../helpers/terraform.ts';

const schemaFile = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/raw/${name}.json`, import.meta.url), 'utf8')) as unknown;

/** Records every call setup makes; answers as an empty project would, then as one where everything exists. */
function recordingAdmin(existing = new Set<string>(), labels = new Map<string, Record<string, string>>(), queries = new Map<string, string>()) {
  const calls: { method: string; dataset: string; name?: string; resource: Record<string, unknown> }[] = [];
  const answer = (key: string, onExisting: SetupOutcome): SetupOutcome => {
    const outcome = existing.has(key) ? onExisting : 'created';
    existing.add(key);
    return outcome;
  };
  const admin: BigQueryAdmin = {
    datasetLabels: async (dataset) => (existing.has(dataset) ? (labels.get(dataset) ?? {}) : undefined),
    createDataset: async (dataset, resource) => (calls.push({ method: 'createDataset', dataset, resource: { ...resource } }), answer(dataset, 'exists')),
    createTable: async (dataset, name, resource) => (
      calls.push({ method: 'createTable', dataset, name, resource: { ...resource } }),
      answer(`${dataset}.${name}`, 'exists')
    ),
    putView: async (dataset, name, resource) => {
      calls.push({ method: 'putView', dataset, name, resource: { ...resource } });
      const key = `${dataset}.${name}`;
      const same = queries.get(key) === resource.view.query;
      queries.set(key, resource.view.query);
      return answer(key, same ? 'exists' : 'updated');
    },
  };
  return { admin, calls, existing, labels, queries };
}

describe('setupBigQuery', () => {
  test('creates the dataset, then the four tables and the replay log exactly as schemas/ declares them, then the three views', async () => {
    const { admin, calls } = recordingAdmin();
    const steps = await setupBigQuery({ projectId: 'orderflow-test', location: 'EU', admin });
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.dataset}${c.name ? `.${c.name}` : ''}`),
      [
        'createDataset raw',
        'createTable raw.orders',
        'createTable raw.order_items',
        'createTable raw.order_payments',
        'createTable raw.dead_letter',
        'createTable raw.dead_letter_replays',
        'putView raw.orders_current',
        'putView raw.order_items_current',
        'putView raw.order_payments_current',
      ],
    );
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

  test('re-running is safe: existing dataset and tables are kept, a view is rewritten only when its query changed', async () => {
    const { admin, existing, labels, queries } = recordingAdmin();
    await setupBigQuery({ projectId: 'orderflow-test', admin });
    const again = await setupBigQuery({ projectId: 'orderflow-test', admin: recordingAdmin(existing, labels, queries).admin });
    assert.deepEqual(
      again.map((s) => `${s.kind}:${s.outcome}`),
      ['dataset:exists', 'table:exists', 'table:exists', 'table:exists', 'table:exists', 'table:exists', 'view:exists', 'view:exists', 'view:exists'],
    );
    queries.set('raw.orders_current', 'SELECT 1');
    const changed = await setupBigQuery({ projectId: 'orderflow-test', admin: recordingAdmin(existing, labels, queries).admin });
    assert.deepEqual(
      changed.filter((s) => s.outcome === 'updated').map((s) => s.name),
      ['raw.orders_current'],
    );
  });

  test('one owner: a dataset Terraform manages (label managed-by=terraform) is refused in one line, nothing created or changed', async () => {
    const { admin, calls } = recordingAdmin(new Set(['raw']), new Map([['raw', { app: 'orderflow', 'managed-by': 'terraform' }]]));
    await assert.rejects(
      setupBigQuery({ projectId: 'orderflow-test', admin }),
      (e: unknown) => e instanceof OperationalError && !e.message.includes('\n') && /raw .* is managed by Terraform .*terraform apply/.test(e.message),
    );
    assert.deepEqual(calls, []);
  });

  test('what setup creates is what Terraform declares: location default, descriptions, labels but managed-by, the same view SQL', async () => {
    const tf = await loadModule();
    const { admin, calls } = recordingAdmin();
    await setupBigQuery({ projectId: 'orderflow-test', admin });
    const dataset = calls[0]!.resource;
    assert.equal(dataset.location, defaultOf(tf, resource(tf, 'google_bigquery_dataset.raw').location), "Terraform's bigquery_location default");
    assert.equal(resource(tf, 'google_bigquery_dataset.raw').description, '${local.raw_manifest.description}');
    assert.equal(dataset.description, JSON.parse(readFileSync(new URL('../../schemas/tables.json', import.meta.url), 'utf8')).description);
    const terraformLabels = tf.locals.labels as Record<string, string>;
    assert.deepEqual(terraformLabels, { app: 'orderflow', 'managed-by': 'terraform' });
    const { 'managed-by': _terraform, ...shared } = terraformLabels;
    for (const call of calls) assert.deepEqual(call.resource.labels, shared, `${call.method} ${call.name ?? call.dataset}`);
    for (const view of calls.filter((c) => c.method === 'putView')) assert.ok(!('description' in view.resource), 'Terraform sets no view description');
  });

  test('a bad project id or dataset is one UsageError line and nothing is called', async () => {
    const { admin, calls } = recordingAdmin();
    await assert.rejects(
      setupBigQuery({ projectId: 'Not A Project', admin }),
      (e: unknown) => e instanceof UsageError && !e.message.includes('\n') && /project id/.test(e.message),
    );
    await assert.rejects(
      setupBigQuery({ projectId: 'orderflow-test', dataset: 'raw-1', admin }),
      (e: unknown) => e instanceof UsageError && /dataset "raw-1"/.test(e.message),
    );
    assert.equal(calls.length, 0);
  });
});
