import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { tempDir } from '../helpers/temp-dir.ts';

const rows = async (db: DuckDBConnection, sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson();

/** An item row copied from a real one, then changed by `select` (SQL expressions per column), ingested after everything else. */
const injectItem = (columns: { order_id?: string; price?: string }) => async (db: DuckDBConnection) => {
  await db.run(`INSERT INTO raw.order_items
    SELECT * REPLACE (${columns.order_id ?? 'order_id'} AS order_id, ${columns.price ?? 'price'} AS price, 'bad-event' AS event_id,
      event_time + INTERVAL 1 HOUR AS event_time, 'bad-message' AS message_id, publish_time + INTERVAL 1 HOUR AS publish_time,
      (SELECT MAX(ingested_at) FROM raw.order_items) + INTERVAL 1 HOUR AS ingested_at)
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
        requested: [],
        dims: new DirectoryStore(dimsDir),
        noPublish: false,
        lookbackDays: 0,
        runId: name,
        now: () => new Date(),
        logger: createLogger({ level: 'silent' }),
      });
      return { result, checksums: await schemaChecksums(db), watermark: (await lastPublished(db))[0]!.w, db: path };
    });
  }

  const failedChecks = (result: BatchResult) => result.checks.filter((c) => c.status === 'fail').map((c) => c.name);

  /** A copy of the good dims snapshot with one file's data rows (header excluded) changed by `edit`. */
  function badDims(file: string, edit: (rows: string[][]) => string[][]): string {
    const copy = tempDir('baddims');
    cpSync(dims, copy, { recursive: true });
    const [header, ...data] = parse(readFileSync(join(copy, file))) as string[][];
    writeFileSync(join(copy, file), stringify([header!, ...edit(data)]));
    return copy;
  }

  describe('dims audits: each fails on its own bad snapshot and leaves mart unchanged', () => {
    test('a customers file cut to half its rows fails dims_row_count_drop (the default allows 10%)', async () => {
      const { result, checksums, watermark } = await runOnBadCopy(
        'truncated',
        async () => undefined,
        badDims('olist_customers_dataset.csv', (rows) => rows.slice(0, rows.length / 2)),
      );
      assert.equal(result.status, 'audit_failed');
      assert.ok(result.dimsReloaded);
      assert.ok(failedChecks(result).includes('dims_row_count_drop'), failedChecks(result).join());
      const sample = result.checks.find((c) => c.name === 'dims_row_count_drop')!.sample;
      assert.deepEqual(
        sample.map((r) => [r.snapshot, Number(r.published_rows), Number(r.loaded_rows)]),
        [['customers', 400, 200]],
      );
      assert.deepEqual(checksums, goodChecksums);
      assert.equal(watermark, goodWatermark);
    });

    test('a customers file 5% shorter passes the drop audit', async () => {
      const { result } = await runOnBadCopy(
        'shorter',
        async () => undefined,
        badDims('olist_customers_dataset.csv', (rows) => rows.slice(0, rows.length - 20)),
      );
      assert.equal(result.checks.find((c) => c.name === 'dims_row_count_drop')!.status, 'pass');
    });

    test('a zip prefix that is not 5 digits after padding fails accepted_range_stg_customers_customer_zip_code_prefix; 4 digits are padded', async () => {
      const edited = badDims('olist_customers_dataset.csv', (rows) =>
        rows.map((r, i) => (i === 0 ? [r[0]!, r[1]!, '1310', r[3]!, r[4]!] : i === 1 ? [r[0]!, r[1]!, '12A45', r[3]!, r[4]!] : r)),
      );
      const { result, checksums, db } = await runOnBadCopy('zip', async () => undefined, edited);
      assert.equal(result.status, 'audit_failed');
      assert.deepEqual(failedChecks(result), ['accepted_range_stg_customers_customer_zip_code_prefix']);
      assert.deepEqual(
        result.checks.find((c) => c.status === 'fail')!.sample.map((r) => r.customer_zip_code_prefix),
        ['12A45'],
      );
      assert.deepEqual(checksums, goodChecksums);
      await withDuckDBFile(db, async (conn) => {
        assert.deepEqual(await rows(conn, `SELECT COUNT(*) AS n FROM audit.stg_customers WHERE customer_zip_code_prefix = '01310'`), [{ n: '1' }]);
      });
    });

    test('an integer column holding 51.6 fails integer_text_stg_products and is not rounded to 52', async () => {
      const edited = badDims('olist_products_dataset.csv', (rows) => rows.map((r, i) => (i === 0 ? [...r.slice(0, 5), '51.6', ...r.slice(6)] : r)));
      const { result, checksums, db } = await runOnBadCopy('fraction', async () => undefined, edited);
      assert.equal(result.status, 'audit_failed');
      assert.deepEqual(failedChecks(result), ['integer_text_stg_products']);
      assert.deepEqual(
        result.checks.find((c) => c.status === 'fail')!.sample.map((r) => [r.column_name, r.value]),
        [['product_weight_g', '51.6']],
      );
      assert.deepEqual(checksums, goodChecksums);
      await withDuckDBFile(db, async (conn) => {
        const [first] = parse(readFileSync(join(dims, 'olist_products_dataset.csv')), { from_line: 2, to_line: 2 }) as string[][];
        assert.deepEqual(await rows(conn, `SELECT product_weight_g FROM audit.stg_products WHERE product_id = '${first![0]}'`), [{ product_weight_g: null }]);
      });
    });

    test('a fact whose product has no current dimension row fails relationships_fact_sales_product_id__dim_products', async () => {
      // The injected item re-touches its order; the new snapshot drops that item's product (1 of 150 rows: under the drop audit's 10%).
      const product = await withDuckDBFile(goodDb, async (conn) =>
        String((await rows(conn, `SELECT product_id FROM raw.order_items ORDER BY order_id, order_item_id LIMIT 1`))[0]!.product_id),
      );
      const edited = badDims('olist_products_dataset.csv', (rows) => rows.filter((r) => r[0] !== product));
      const { result, checksums } = await runOnBadCopy('closed-product', injectItem({}), edited);
      assert.equal(result.status, 'audit_failed');
      assert.deepEqual(failedChecks(result), ['relationships_fact_sales_product_id__dim_products']);
      assert.equal(result.checks.find((c) => c.status === 'fail')!.sample[0]!.product_id, product);
      assert.deepEqual(checksums, goodChecksums);
    });

    test('a category without an English name is a warning listing it; the run still publishes', async () => {
      const edited = badDims('product_category_name_translation.csv', (rows) => rows.slice(1));
      const { result } = await runOnBadCopy('untranslated', async () => undefined, edited);
      const warning = result.checks.find((c) => c.name === 'untranslated_categories')!;
      assert.equal(warning.status, 'warn');
      assert.equal(result.status, 'published');
      const [header, first] = parse(readFileSync(join(dims, 'product_category_name_translation.csv'))) as string[][];
      assert.equal(header![0], 'product_category_name');
      assert.deepEqual(
        warning.sample.map((r) => r.product_category_name),
        [first![0]],
      );
    });
  });

  test('a negative price fails accepted_range_stg_order_items_price; mart and watermark unchanged; candidates kept', async () => {
    const { result, checksums, watermark, db } = await runOnBadCopy('negative', injectItem({ price: '-5.00' }));
    assert.equal(result.status, 'audit_failed');
    assert.ok(failedChecks(result).includes('accepted_range_stg_order_items_price'), failedChecks(result).join());
    assert.equal(result.checks.find((c) => c.name === 'accepted_range_stg_order_items_price')!.sample[0]!.price, '-5.00');
    assert.deepEqual(checksums, goodChecksums);
    assert.equal(watermark, goodWatermark);
    await withDuckDBFile(db, async (conn) => {
      assert.deepEqual(await rows(conn, `SELECT CAST(price AS VARCHAR) AS p FROM audit.stg_order_items WHERE price < 0`), [{ p: '-5.00' }]);
      const [logged] = await rows(
        conn,
        `SELECT status, failing_rows FROM audit.audit_log WHERE run_id = 'negative' AND check_name = 'accepted_range_stg_order_items_price'`,
      );
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
    assert.deepEqual(failedChecks(result), [
      'unique_stg_customers_customer_id',
      'unique_dim_customers_customer_id_current',
      'unique_dim_customers_customer_id_valid_from',
    ]);
    assert.deepEqual(checksums, goodChecksums);
  });

  test('payments replaced by a wrong amount on most orders fail payment_mismatch_rate only', async () => {
    const { result, checksums } = await runOnBadCopy('mismatch', async (db) => {
      await db.run(`INSERT INTO raw.order_payments
        SELECT * REPLACE (payment_value + 1 AS payment_value, 'bad-' || event_id AS event_id, event_time + INTERVAL 1 HOUR AS event_time,
          publish_time + INTERVAL 1 HOUR AS publish_time, (SELECT MAX(ingested_at) FROM raw.order_payments) + INTERVAL 1 HOUR AS ingested_at)
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

  test('--no-publish writes and audits only; --dry-run is its deprecated alias', async () => {
    const path = join(dir, 'nopublish.duckdb');
    copyFileSync(goodDb, path);
    await withDuckDBFile(path, injectItem({}));
    for (const flag of ['--no-publish', '--dry-run']) {
      const result = await runCli(['batch', 'run', '--database', path, '--dims', dims, '--reports', join(dir, 'reports'), flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout.toString()).status, 'audited', flag);
      if (flag === '--dry-run') assert.match(result.stderr, /--dry-run is deprecated: use --no-publish/);
      else assert.doesNotMatch(result.stderr, /deprecated/);
    }
    await withDuckDBFile(path, async (db) => assert.deepEqual(await schemaChecksums(db), goodChecksums));
  });

  test('a run that finds the lease held exits 4 with one line and does nothing', async () => {
    const path = join(dir, 'leased.duckdb');
    copyFileSync(goodDb, path);
    await withDuckDBFile(path, async (db) => {
      await injectItem({})(db);
      await db.run(`INSERT INTO audit.batch_lease VALUES ('wap', 'other-run', now()::TIMESTAMP, now()::TIMESTAMP + INTERVAL 1 HOUR)`);
    });
    const result = await runCli(['batch', 'run', '--database', path, '--dims', dims, '--reports', join(dir, 'reports')]);
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, /^orderflow: another batch run \(other-run\) holds the lease until .* UTC; nothing done\n$/);
    await withDuckDBFile(path, async (db) => {
      assert.deepEqual(await schemaChecksums(db), goodChecksums);
      assert.deepEqual(await rows(db, `SELECT holder FROM audit.batch_lease`), [{ holder: 'other-run' }], "the other run's lease is left alone");
    });
  });

  test('bad flags exit 2 with one line', async () => {
    const result = await runCli(['batch', 'run', '--from', '2026-11-05', '--to', '2026-11-01', '--database', join(dir, 'never.duckdb')]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /--to \(2026-11-01\) is before --from/);
  });
});
