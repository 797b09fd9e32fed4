import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { BigQuery } from '@google-cloud/bigquery';
import { parse } from 'sql-parser-cst';
import { createLogger } from '../../common/logger.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { render, NO_VARS } from '../../batch/dialect.ts';
import { BigQueryWarehouse, GoogleBigQueryClient, bigqueryTarget, transactionScript, type BigQueryClient } from '../../batch/engines/bigquery.ts';
import type { JsonRow } from '../../batch/engines/warehouse.ts';
import type { QueryParams } from '../../batch/params.ts';
import { runBatch, type BatchResult } from '../../batch/job.ts';
import { loadModels } from '../../batch/models.ts';
import { writeDims } from '../helpers/raw-fixture.ts';
import { MACRO_PROBE, MACRO_PROBE_VALUES, asText } from '../helpers/macro-probe.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const PROJECT = 'orderflow-test';

/** BigQuery up to the client boundary: records every statement and its parameters; answers the job's few reads with canned rows. */
class RecordingClient implements BigQueryClient {
  readonly statements: string[] = [];
  readonly params: (QueryParams | undefined)[] = [];
  readonly loads: { dataset: string; table: string; columns: readonly string[]; rows: number }[] = [];
  /** `failing`: a fragment of the one check query that finds offending rows. */
  constructor(
    private readonly martTables: string[],
    private readonly failing: string | null = null,
    private readonly holder = 'bq-run',
  ) {}

  async query(sql: string, params?: QueryParams): Promise<JsonRow[]> {
    this.statements.push(sql);
    this.params.push(params);
    if (/ AS watermark, time_zone/.test(sql)) {
      return this.martTables.length === 0
        ? []
        : [
            {
              watermark: '2026-11-19 23:00:00.000000',
              time_zone: 'America/Sao_Paulo',
              dims_sha256: 'older',
              meta_sha256: 'older',
              window_from: '2026-11-19 22:45:00.000000',
              window_rows: 3,
            },
          ];
    }
    if (/ AS watermark FROM latest/.test(sql)) return [{ watermark: '2026-11-20 01:00:00.000000' }];
    if (/ AS row_count$/.test(sql)) return [{ row_count: 3 }];
    if (/ AS orders, /.test(sql)) return [{ orders: 5, first_ingested_at: this.martTables.length === 0 ? null : '2026-11-19 12:00:00.000000' }];
    if (/ AS d FROM/.test(sql)) return [{ d: '2026-11-19' }];
    if (/ AS rows_read$/.test(sql)) return [{ rows_read: 12 }];
    if (sql.startsWith('SELECT holder')) return [{ holder: this.holder, expires_at: '2026-11-20 08:00:00.000000' }];
    if (sql.includes('INFORMATION_SCHEMA.COLUMNS')) {
      const dataset = /\.(audit|mart)`\.INFORMATION_SCHEMA/.exec(sql)![1];
      return loadModels()
        .filter((m) => m.materialized === 'table' && (dataset === 'audit' || this.martTables.includes(m.name)))
        .flatMap((m) => m.columns.map((c) => ({ table_name: m.name, column_name: c.name, data_type: c.type })));
    }
    if (sql.startsWith('SELECT COUNT(*) AS failing_rows')) return [{ failing_rows: this.failing && sql.includes(this.failing) ? 2 : 0 }];
    if (sql.startsWith('SELECT * FROM (')) return [{ order_id: 'x', price: '-1.00' }];
    return [];
  }

  async listTables(dataset: string): Promise<string[]> {
    return dataset === 'mart' ? this.martTables : [];
  }

  async loadJson(dataset: string, table: string, columns: readonly string[], ndjson: string): Promise<void> {
    this.loads.push({ dataset, table, columns, rows: ndjson.split('\n').length });
  }
}

const martTables = loadModels()
  .filter((m) => m.publish !== 'none')
  .map((m) => m.name);

describe('BigQuery engine, offline up to the client', () => {
  let dims: string;
  let reports: string;
  before(async () => {
    dims = await writeDims();
    reports = tempDir('bq-reports');
  });
  after(() => {
    rmSync(dims, { recursive: true, force: true });
    rmSync(reports, { recursive: true, force: true });
  });

  const run = async (client: RecordingClient, requested: string[] = [], runId = 'bq-run'): Promise<BatchResult> =>
    runBatch(new BigQueryWarehouse(client, bigqueryTarget(PROJECT)), {
      requested,
      dims: new DirectoryStore(dims),
      reports: new DirectoryStore(reports),
      noPublish: false,
      lookbackDays: 1,
      runId,
      now: () => new Date('2026-11-20T02:00:00Z'),
      logger: createLogger({ level: 'silent' }),
    });

  // Three runs cover every statement shape: a first run (empty mart: bootstrap DDL, empty SCD2
  // history), a run over an existing mart (SCD2 from the published dims) and a failed audit.
  const scenarios = [
    { name: 'first run', client: () => new RecordingClient([]) },
    { name: 'existing mart', client: () => new RecordingClient(martTables) },
    { name: 'failed audit', client: () => new RecordingClient(martTables, 'WHERE NOT (price >= 0') },
  ];

  for (const scenario of scenarios) {
    test(`${scenario.name}: every statement the job emits parses as BigQuery SQL`, async () => {
      const client = scenario.client();
      await run(client, ['2026-11-18']);
      assert.ok(client.statements.length > 60, `${client.statements.length} statements`);
      for (const sql of client.statements) {
        assert.doesNotThrow(
          () => parse(sql, { dialect: 'bigquery', paramTypes: ['@name'] }),
          (error: Error) => `${error.message}\n--- in ---\n${sql}`,
        );
      }
    });
  }

  test('an incremental run over a published mart filters every raw read by ingested_at, the partition column (issue 16: cost independent of history)', async () => {
    const client = new RecordingClient(martTables);
    const result = await run(client);
    assert.equal(result.status, 'published');
    const reads = client.statements.flatMap((sql) =>
      [...sql.matchAll(/`orderflow-test\.raw\.(\w+)`(\s+WHERE\s+ingested_at\s*[<>]=?\s*(?:TIMESTAMP|@))?/g)].map((m) => ({
        table: m[1],
        pruned: m[2] !== undefined,
        sql,
      })),
    );
    assert.ok(reads.length >= 9, `${reads.length} raw reads`);
    for (const read of reads) assert.ok(read.pruned, `raw.${read.table} read without an ingested_at filter:\n${read.sql}`);
  });

  test('publish is one multi-statement transaction holding every mart change and the watermark', async () => {
    const client = new RecordingClient([]);
    const result = await run(client);
    assert.equal(result.status, 'published');
    assert.deepEqual(result.dates, ['2026-11-19']);
    assert.equal(result.orders, 5);
    const scripts = client.statements.filter((sql) => sql.includes('BEGIN TRANSACTION'));
    assert.equal(scripts.length, 1);
    const script = scripts[0]!;
    const after = client.statements.slice(client.statements.indexOf(script) + 1);
    assert.deepEqual(
      after.filter((sql) => !sql.startsWith('SELECT')),
      [`DELETE FROM \`${PROJECT}.audit.batch_lease\` WHERE name = @lease AND holder = @holder`],
      'after the publish: reads and the lease release only',
    );
    assert.match(script, /^BEGIN\n {2}BEGIN TRANSACTION;[\s\S]*COMMIT TRANSACTION;\nEXCEPTION WHEN ERROR THEN\n {2}ROLLBACK TRANSACTION;/);
    for (const table of martTables) assert.ok(script.includes(`DELETE FROM \`${PROJECT}.mart.${table}\``), table);
    assert.match(
      script,
      /DELETE FROM `orderflow-test\.mart\.fact_sales` WHERE purchase_date IN \(@date_1\) AND order_id IN \(SELECT order_id FROM `orderflow-test\.audit\.fact_orders`\)/,
    );
    assert.match(script, /DELETE FROM `orderflow-test\.mart\.agg_daily_sales` WHERE purchase_date IN \(@date_1\)/);
    // Every insert names its columns: a model whose SELECT lists them in another order still lands right.
    for (const insert of script.match(/INSERT INTO `orderflow-test\.mart\.[a-z_]+` \([a-z_, ]+\)\n\s*SELECT [a-z_, ]+ FROM/g) ?? []) assert.ok(insert);
    assert.equal((script.match(/INSERT INTO `orderflow-test\.mart\./g) ?? []).length, martTables.length);
    assert.equal((script.match(/INSERT INTO `orderflow-test\.mart\.[a-z_]+` \(/g) ?? []).length, martTables.length, 'no INSERT without a column list');
    // The run's values travel as the script's parameters: the affected dates, the status and the new watermark.
    assert.match(
      script,
      /INSERT INTO `orderflow-test\.audit\.batch_runs` \([a-z_, 0-9]+\)\n\s*SELECT @run_id, @status, @dates, @watermark, @started_at, @finished_at,/,
    );
    const scriptParams = client.params[client.statements.indexOf(script)]!;
    assert.deepEqual(scriptParams.date_1, { type: 'DATE', value: '2026-11-19' });
    assert.deepEqual(scriptParams.status, { type: 'STRING', value: 'published' });
    assert.deepEqual(scriptParams.watermark, { type: 'TIMESTAMP', value: '2026-11-20 01:00:00.000000' });
    assert.deepEqual(scriptParams.run_id, { type: 'STRING', value: 'bq-run' });
    const outside = client.statements.filter((sql) => sql !== script);
    const writesToMart = outside.filter((sql) => /^(DELETE|INSERT|UPDATE|MERGE|TRUNCATE)[\s\S]*`orderflow-test\.mart\./.test(sql));
    assert.deepEqual(writesToMart, []);
    assert.ok(
      outside.some((sql) =>
        sql.startsWith(`CREATE TABLE IF NOT EXISTS \`${PROJECT}.mart.fact_sales\`\nPARTITION BY purchase_date\nCLUSTER BY seller_id, product_id`),
      ),
    );
    assert.deepEqual(client.loads.map((l) => `${l.dataset}.${l.table}`).sort(), [
      'audit.snapshot_categories',
      'audit.snapshot_customers',
      'audit.snapshot_products',
      'audit.snapshot_sellers',
    ]);
  });

  test('a failed blocking check sends no transaction and records the failure', async () => {
    const client = new RecordingClient(martTables, 'WHERE NOT (price >= 0');
    const result = await run(client);
    assert.equal(result.status, 'audit_failed');
    assert.equal(client.statements.filter((sql) => sql.includes('BEGIN TRANSACTION')).length, 0);
    const recorded = (table: string) => client.params[client.statements.findIndex((sql) => sql.startsWith(`INSERT INTO \`orderflow-test.audit.${table}\``))]!;
    assert.deepEqual(recorded('batch_runs').status, { type: 'STRING', value: 'audit_failed' });
    const log = recorded('audit_log');
    const failed = Object.keys(log)
      .find((name) => log[name]!.value === 'accepted_range_stg_order_items_price')!
      .replace('check_name_', '');
    assert.deepEqual(
      ['severity', 'model', 'status', 'failing_rows'].map((column) => log[`${column}_${failed}`]!.value),
      ['blocking', 'stg_order_items', 'fail', 2],
    );
  });

  test('a run id that would break a quoted literal travels as a query parameter: never in the SQL text, unchanged in the parameters', async () => {
    const hostile = "bq'run\\ \n'); DROP TABLE audit.batch_runs; --";
    const client = new RecordingClient([], null, hostile);
    const result = await run(client, [], hostile);
    assert.equal(result.status, 'published');
    for (const sql of client.statements) assert.ok(!sql.includes('DROP TABLE') && !sql.includes("bq'run"), sql);
    const bound = client.params.flatMap((p) => Object.values(p ?? {})).filter((p) => p.value === hostile);
    // The lease claim and its release, the audit log, the run record in the publish script.
    assert.ok(bound.length >= 4, `${bound.length} bindings of the run id`);
    assert.ok(bound.every((p) => p.type === 'STRING'));
  });

  test('the transaction script re-raises after rolling back, and parses', () => {
    const script = transactionScript(['DELETE FROM `p.mart.t` WHERE TRUE', 'INSERT INTO `p.mart.t`\nSELECT * FROM `p.audit.t`']);
    assert.doesNotThrow(() => parse(script, { dialect: 'bigquery' }));
    assert.match(script, /ROLLBACK TRANSACTION;\n {2}RAISE USING MESSAGE = @@error\.message;\nEND;$/);
  });
});

const liveProject = process.env.ORDERFLOW_TEST_PROJECT;
const credentials = process.env.GOOGLE_APPLICATION_CREDENTIALS;
const liveSkip = !liveProject
  ? 'set ORDERFLOW_TEST_PROJECT (and Google credentials) to run the dialect macros on real BigQuery'
  : !credentials
    ? 'GOOGLE_APPLICATION_CREDENTIALS is not set: no BigQuery credentials'
    : false;

test('live BigQuery gives the macro probe the values DuckDB gives', { skip: liveSkip }, async () => {
  const client = new GoogleBigQueryClient(new BigQuery({ projectId: liveProject }));
  const [row] = await client.query(render(MACRO_PROBE, { target: bigqueryTarget(liveProject!), vars: NO_VARS }));
  assert.deepEqual(asText(row!), MACRO_PROBE_VALUES);
});

test('the macro probe parses as BigQuery SQL', () => {
  assert.doesNotThrow(() => parse(render(MACRO_PROBE, { target: bigqueryTarget(PROJECT), vars: NO_VARS }), { dialect: 'bigquery' }));
});
