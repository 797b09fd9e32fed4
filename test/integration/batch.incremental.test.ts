import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DuckDBWarehouse } from '../../batch/engines/duckdb.ts';
import { runBatch, type BatchOptions } from '../../batch/job.ts';
import { batchTestOptions } from '../helpers/batch-options.ts';
import { LeaseHeldError } from '../../batch/lease.ts';
import { loadModels, type Model } from '../../batch/models.ts';
import { SchemaDriftError } from '../../batch/schema-drift.ts';
import { schemaChecksums } from '../helpers/mart-checksum.ts';
import { generateMessages, ingest, writeDims } from '../helpers/raw-fixture.ts';

const rows = async (db: DuckDBConnection, sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson();
const NOW = new Date('2026-11-20T02:00:00Z');
const open = async () => (await DuckDBInstance.create(':memory:')).connect();

// ~8 days of generated events; the first half is ingested, published, then the second half.
const messages = generateMessages({ messages: 2400 });
const firstHalf = messages.slice(0, 1200);
const secondHalf = messages.slice(1200);
const laterIngest = (_m: unknown, i: number) => new Date(Date.parse('2026-11-19T00:00:00Z') + i * 1000);

/** Redelivers the raw rows of `count` orders (the same events, new messages) ingested at `at`: the orders are touched, nothing changes. */
async function redeliver(db: DuckDBConnection, count: number, offset: number, at: string): Promise<void> {
  for (const table of ['orders', 'order_items', 'order_payments']) {
    await db.run(`INSERT INTO raw.${table} SELECT * REPLACE ('again-' || message_id AS message_id, TIMESTAMP '${at}' AS ingested_at)
      FROM raw.${table} WHERE order_id IN (SELECT DISTINCT order_id FROM raw.orders ORDER BY order_id LIMIT ${count} OFFSET ${offset})`);
  }
}

describe('incremental runs: by order, merged by key, the same marts as a full rebuild', () => {
  let dims: string;
  let db: DuckDBConnection;
  const options = (overrides: Partial<BatchOptions> = {}) => batchTestOptions(dims, NOW, overrides);

  before(async () => {
    dims = await writeDims();
    db = await open();
    await ingest(db, firstHalf);
  });
  after(() => rmSync(dims, { recursive: true, force: true }));

  test("a second run reads only the touched orders' raw rows, keeps the dims, and gives the marts a single full run gives", async () => {
    const first = await runBatch(new DuckDBWarehouse(db), options());
    assert.equal(first.status, 'published');
    assert.ok(first.dimsReloaded);
    await ingest(db, secondHalf, laterIngest);
    const second = await runBatch(new DuckDBWarehouse(db), options());
    assert.equal(second.status, 'published');
    assert.equal(second.dimsReloaded, false, 'the snapshot did not change');
    assert.ok(!second.checks.some((c) => c.name === 'dims_row_count_drop'), 'dims checks are skipped with the dims');
    const [raw] = await rows(
      db,
      `SELECT (SELECT COUNT(*) FROM raw.orders) + (SELECT COUNT(*) FROM raw.order_items) + (SELECT COUNT(*) FROM raw.order_payments) AS n`,
    );
    assert.ok(second.rawRowsRead < Number(raw!.n), `${second.rawRowsRead} of ${String(raw!.n)} raw rows read`);
    const [touched] = await rows(
      db,
      `SELECT COUNT(DISTINCT order_id) AS n FROM (SELECT order_id FROM raw.orders WHERE ingested_at >= TIMESTAMP '2026-11-19 00:00:00'
      UNION ALL SELECT order_id FROM raw.order_items WHERE ingested_at >= TIMESTAMP '2026-11-19 00:00:00')`,
    );
    assert.equal(second.orders, Number(touched!.n));

    const fresh = await open();
    await ingest(fresh, firstHalf);
    await ingest(fresh, secondHalf, laterIngest);
    const full = await runBatch(new DuckDBWarehouse(fresh), options());
    assert.equal(full.status, 'published');
    assert.deepEqual(await schemaChecksums(db), await schemaChecksums(fresh));

    const rebuilt = await runBatch(new DuckDBWarehouse(fresh), options({ requested: full.dates }));
    assert.equal(rebuilt.status, 'published');
    assert.deepEqual(await schemaChecksums(fresh), await schemaChecksums(db), '--from/--to over every date gives the same marts');
  });

  test('published facts survive raw expiration: a rebuild of their date keeps the orders whose raw rows are gone', async () => {
    const [victim] = await rows(
      db,
      `SELECT order_id, CAST(purchase_date AS VARCHAR) AS d FROM mart.fact_orders WHERE item_count > 0 ORDER BY order_id LIMIT 1`,
    );
    const before = await rows(db, `SELECT * FROM mart.fact_orders WHERE order_id = '${String(victim!.order_id)}'`);
    const sales = await rows(db, `SELECT COUNT(*) AS n FROM mart.fact_sales WHERE order_id = '${String(victim!.order_id)}'`);
    for (const table of ['orders', 'order_items', 'order_payments']) await db.run(`DELETE FROM raw.${table} WHERE order_id = '${String(victim!.order_id)}'`);
    const result = await runBatch(new DuckDBWarehouse(db), options({ requested: [String(victim!.d)] }));
    assert.equal(result.status, 'published', JSON.stringify(result.checks.filter((c) => c.status === 'fail')));
    assert.deepEqual(await rows(db, `SELECT * FROM mart.fact_orders WHERE order_id = '${String(victim!.order_id)}'`), before);
    assert.deepEqual(await rows(db, `SELECT COUNT(*) AS n FROM mart.fact_sales WHERE order_id = '${String(victim!.order_id)}'`), sales);
    const [day] = await rows(db, `SELECT order_count FROM mart.agg_daily_sales WHERE purchase_date = DATE '${String(victim!.d)}'`);
    const [facts] = await rows(db, `SELECT COUNT(*) AS n FROM mart.fact_orders WHERE purchase_date = DATE '${String(victim!.d)}'`);
    assert.equal(day!.order_count, facts!.n, 'the aggregate still counts it');
  });

  test('publish names every column: a model listing price and freight_value the other way round still lands them right', async () => {
    const swapped = loadModels().map((m): Model =>
      m.name !== 'fact_sales'
        ? m
        : {
            ...m,
            sql: m.sql.replace(/( *\{\{ money\('items\.price'\) \}\} AS price,\n)( *\{\{ money\('items\.freight_value'\) \}\} AS freight_value,\n)/, '$2$1'),
          },
    );
    assert.notEqual(swapped.find((m) => m.name === 'fact_sales')!.sql, loadModels().find((m) => m.name === 'fact_sales')!.sql, 'the swap applied');
    await redeliver(db, 60, 0, '2026-11-19 12:00:00');
    const result = await runBatch(new DuckDBWarehouse(db), options({ models: swapped }));
    assert.equal(result.status, 'published', JSON.stringify(result.checks.filter((c) => c.status === 'fail')));
    assert.equal(result.orders, 60);
    const [columns] = await rows(
      db,
      `SELECT list(column_name ORDER BY ordinal_position) AS c FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = 'fact_sales'`,
    );
    assert.ok((columns!.c as string[]).indexOf('freight_value') < (columns!.c as string[]).indexOf('price'), 'the candidate has the swapped order');
    const wrong = await rows(
      db,
      `WITH items AS (
        SELECT order_id, order_item_id, price, freight_value FROM raw.order_items
        QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id, order_item_id ORDER BY event_time DESC, publish_time DESC) = 1
      )
      SELECT f.order_id FROM mart.fact_sales AS f JOIN items AS i USING (order_id, order_item_id)
      WHERE f.price <> i.price OR f.freight_value <> i.freight_value`,
    );
    assert.deepEqual(wrong, []);
  });

  test('a model whose columns no longer match its mart table fails with one line; --on-schema-change sync_all_columns migrates it', async () => {
    const extra = loadModels().map((m): Model =>
      m.name !== 'agg_daily_sales'
        ? m
        : {
            ...m,
            sql: m.sql.replace('    COUNT(*) AS order_count,\n', '    COUNT(*) AS order_count,\n    COUNT(*) * 2 AS twice_order_count,\n'),
            columns: [...m.columns, { name: 'twice_order_count', type: 'INT64', description: 'test column' }],
          },
    );
    const before = await schemaChecksums(db);
    await redeliver(db, 10, 300, '2026-11-19 20:00:00');
    await assert.rejects(
      runBatch(new DuckDBWarehouse(db), options({ models: extra, requested: ['2026-11-05'] })),
      (error: Error) =>
        error instanceof SchemaDriftError &&
        /model agg_daily_sales no longer matches mart\.agg_daily_sales \(\+twice_order_count INT64\); nothing published; rerun with --on-schema-change sync_all_columns/.test(
          error.message,
        ),
    );
    assert.deepEqual(await schemaChecksums(db), before);
    const result = await runBatch(new DuckDBWarehouse(db), options({ models: extra, requested: ['2026-11-05'], onSchemaChange: 'sync_all_columns' }));
    assert.equal(result.status, 'published', JSON.stringify(result.checks.filter((c) => c.status === 'fail')));
    const [day] = await rows(db, `SELECT order_count, twice_order_count FROM mart.agg_daily_sales WHERE purchase_date = DATE '2026-11-05'`);
    assert.equal(Number(day!.twice_order_count), 2 * Number(day!.order_count));
    // And back: the column dropped from the model is dropped from the mart table.
    await assert.rejects(runBatch(new DuckDBWarehouse(db), options({ requested: ['2026-11-05'] })), /\(-twice_order_count INT64\)/);
    assert.equal((await runBatch(new DuckDBWarehouse(db), options({ requested: ['2026-11-05'], onSchemaChange: 'sync_all_columns' }))).status, 'published');
    assert.deepEqual(
      await rows(db, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'mart' AND column_name = 'twice_order_count'`),
      [],
    );
  });

  test('one run at a time: of two runs started together on one warehouse, one holds the lease and the other does nothing', async () => {
    await redeliver(db, 30, 100, '2026-11-19 21:00:00');
    const before = await rows(db, `SELECT COUNT(*) AS n FROM audit.batch_runs`);
    const outcomes = await Promise.allSettled([
      runBatch(new DuckDBWarehouse(db), options({ runId: 'first' })),
      runBatch(new DuckDBWarehouse(db), options({ runId: 'second' })),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(lost[0]!.reason instanceof LeaseHeldError, String(lost[0]!.reason));
    assert.match(
      (lost[0]!.reason as Error).message,
      /^another batch run \((first|second)\) holds the lease until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; nothing done$/,
    );
    const [after] = await rows(db, `SELECT COUNT(*) AS n FROM audit.batch_runs`);
    assert.equal(Number(after!.n), Number(before[0]!.n) + 1, 'one run recorded');
    assert.deepEqual(await rows(db, `SELECT * FROM audit.batch_lease`), [], 'the lease is given back');
  });

  test('an expired lease (a run that died) is taken over', async () => {
    await db.run(`INSERT INTO audit.batch_lease VALUES ('wap', 'dead-run', TIMESTAMP '2026-11-19 00:00:00', TIMESTAMP '2026-11-19 06:00:00')`);
    await redeliver(db, 10, 200, '2026-11-19 22:00:00');
    const result = await runBatch(new DuckDBWarehouse(db), options());
    assert.equal(result.status, 'published');
    await db.run(`INSERT INTO audit.batch_lease VALUES ('wap', 'live-run', TIMESTAMP '2026-11-20 01:00:00', TIMESTAMP '2026-11-20 07:00:00')`);
    await assert.rejects(runBatch(new DuckDBWarehouse(db), options()), /another batch run \(live-run\) holds the lease until 2026-11-20 07:00:00 UTC/);
    await db.run(`DELETE FROM audit.batch_lease`);
  });
});
