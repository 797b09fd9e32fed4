import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createLogger } from '../../common/logger.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { DuckDBWarehouse } from '../../batch/engines/duckdb.ts';
import { runBatch, type BatchResult } from '../../batch/job.ts';
import { runCli } from '../helpers/cli.ts';
import { schemaChecksums } from '../helpers/mart-checksum.ts';
import { generateMessages, ingest, writeDims } from '../helpers/raw-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const rows = async (db: DuckDBConnection, sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson();

/** An item row copied from a real one, then changed by `select` (SQL expressions per column), ingested after everything else. */
const injectItem = (columns: { order_id?: string; price?: string }) => async (db: DuckDBConnection) => {
  await db.run(`INSERT INTO raw.order_items
    SELECT ${columns.order_id ?? 'order_id'}, order_item_id, product_id, seller_id, shipping_limit_date, ${columns.price ?? 'price'}, freight_value,
      'bad-event', event_type, event_time + INTERVAL 1 HOUR, 'bad-message', publish_time + INTERVAL 1 HOUR,
      (SELECT MAX(ingested_at) FROM raw.order_items) + INTERVAL 1 HOUR
    FROM raw.order_items ORDER BY order_id, order_item_id LIMIT 1`);
};

describe('batch run: a failed blocking check publishes nothing and exits 3', () => {
  let dir: string;
  let goodDb: string;
  let dims: string;
  let goodChecksums: Record<string, string>;
  let goodWatermark: unknown;

  const lastPublished = (db: DuckDBConnection) => rows(db, `SELECT CAST(MAX(watermark) AS VARCHAR) AS w FROM audit.batch_runs WHERE status = 'published'`);

  before(async () => {
    dir = tempDir('audits');
    goodDb = join(dir, 'good.duckdb');
    dims = await writeDims();
    await withDuckDBFile(goodDb, (db) => ingest(db, generateMessages({ messages: 1200 })));
    const result = await runCli(['batch', 'run', '--database', goodDb, '--dims', dims, '--reports', join(dir, 'reports')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout.toString()).status, 'published');
    await withDuckDBFile(goodDb, async (db) => {
      goodChecksums = await schemaChecksums(db);
      goodWatermark = (await lastPublished(db))[0]!.w;
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the published warehouse with bad data injected, run in-process; returns the result and the mart afterwards. */
  async function runOnBadCopy(name: string, inject: (db: DuckDBConnection) => Promise<void>, dimsDir = dims) {
    const path = join(dir, `${name}.duckdb`);
    copyFileSync(goodDb, path);
    return withDuckDBFile(path, async (db) => {
      await inject(db);
      const result: BatchResult = await runBatch(new DuckDBWarehouse(db), {
        requested: [], dims: new DirectoryStore(dimsDir), dryRun: false, lookbackDays: 0, runId: name,
        now: () => new Date(), logger: createLogger({ level: 'silent' }),
      });
      return { result, checksums: await schemaChecksums(db), watermark: (await lastPublished(db))[0]!.w, db: path };
    });
  }

  const failedChecks = (result: BatchResult) => result.checks.filter((c) => c.status === 'fail').map((c) => c.name);

  test('a negative price fails accepted_range_stg_order_items_price; mart and watermark unchanged; candidates kept', async () => {
    const { result, checksums, watermark, db } = await runOnBadCopy('negative', injectItem({ price: '-5.00' }));
    assert.equal(result.status, 'audit_failed');
    assert.ok(failedChecks(result).includes('accepted_range_stg_order_items_price'), failedChecks(result).join());
    assert.equal(result.checks.find((c) => c.name === 'accepted_range_stg_order_items_price')!.sample[0]!.price, '-5.00');
    assert.deepEqual(checksums, goodChecksums);
    assert.equal(watermark, goodWatermark);
    await withDuckDBFile(db, async (conn) => {
      assert.deepEqual(await rows(conn, `SELECT CAST(price AS VARCHAR) AS p FROM audit.stg_order_items WHERE price < 0`), [{ p: '-5.00' }]);
      const [logged] = await rows(conn, `SELECT status, failing_rows FROM audit.audit_log WHERE run_id = 'negative' AND check_name = 'accepted_range_stg_order_items_price'`);
      assert.deepEqual(logged, { status: 'fail', failing_rows: '1' });
    });
  });

  test('an orphan item fails relationships_stg_order_items_order_id__stg_orders; mart unchanged', async () => {
    const { result, checksums } = await runOnBadCopy('orphan', injectItem({ order_id: `'${'f'.repeat(32)}'` }));
    assert.equal(result.status, 'audit_failed');
    assert.deepEqual(failedChecks(result), ['relationships_stg_order_items_order_id__stg_orders']);
    assert.equal(result.checks.find((c) => c.status === 'fail')!.sample[0]!.order_id, 'f'.repeat(32));
    assert.deepEqual(checksums, goodChecksums);
  });

  test('a duplicated key that slipped into the snapshot fails the unique checks; mart unchanged', async () => {
    const badDims = tempDir('baddims');
    cpSync(dims, badDims, { recursive: true });
    const file = join(badDims, 'olist_customers_dataset.csv');
    appendFileSync(file, `${readFileSync(file, 'utf8').split('\n')[1]}\n`);
    const { result, checksums } = await runOnBadCopy('duplicate', injectItem({}), badDims);
    rmSync(badDims, { recursive: true, force: true });
    assert.equal(result.status, 'audit_failed');
    assert.deepEqual(failedChecks(result), ['unique_stg_customers_customer_id', 'unique_dim_customers_customer_id_current', 'unique_dim_customers_customer_id_valid_from']);
    assert.deepEqual(checksums, goodChecksums);
  });

  test('payments replaced by a wrong amount on most orders fail payment_mismatch_rate only', async () => {
    const { result, checksums } = await runOnBadCopy('mismatch', async (db) => {
      await db.run(`INSERT INTO raw.order_payments
        SELECT order_id, payment_sequential, payment_type, payment_installments, payment_value + 1, 'bad-' || event_id, event_type,
          event_time + INTERVAL 1 HOUR, message_id, publish_time + INTERVAL 1 HOUR, (SELECT MAX(ingested_at) FROM raw.order_payments) + INTERVAL 1 HOUR
        FROM raw.order_payments
        QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id, payment_sequential ORDER BY event_time DESC, publish_time DESC, event_id DESC) = 1`);
    });
    assert.equal(result.status, 'audit_failed');
    assert.deepEqual(failedChecks(result), ['payment_mismatch_rate']);
    assert.deepEqual(checksums, goodChecksums);
  });

  test('the CLI exits 3, names the failed check and publishes nothing', async () => {
    const path = join(dir, 'cli.duckdb');
    copyFileSync(goodDb, path);
    await withDuckDBFile(path, injectItem({ price: '-5.00' }));
    const result = await runCli(['batch', 'run', '--database', path, '--dims', dims, '--reports', join(dir, 'reports')]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /audit check accepted_range_stg_order_items_price failed on stg_order_items: 1 offending row/);
    assert.match(result.stderr, /nothing published/);
    const summary = JSON.parse(result.stdout.toString());
    assert.equal(summary.status, 'audit_failed');
    const report = JSON.parse(readFileSync(summary.report, 'utf8'));
    assert.equal(report.checks.find((c: { name: string }) => c.name === 'accepted_range_stg_order_items_price').status, 'fail');
    await withDuckDBFile(path, async (db) => assert.deepEqual(await schemaChecksums(db), goodChecksums));
  });

  test('bad flags exit 2 with one line', async () => {
    const result = await runCli(['batch', 'run', '--from', '2026-11-05', '--to', '2026-11-01', '--database', join(dir, 'never.duckdb')]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /--to \(2026-11-01\) is before --from/);
  });
});
