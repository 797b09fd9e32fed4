import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { validateEvent } from '../../common/contract/validate.ts';
import { loadRawTables } from '../../common/table-schemas.ts';
import { appendRows } from '../../streaming/sinks/duckdb-append.ts';
import { duckdbCreateTable } from '../../common/warehouse/duckdb-ddl.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import type { RawRows } from '../../streaming/rows.ts';
import { split } from '../../streaming/pipeline/split.ts';
import { setupDuckDBWarehouse } from '../../setup/duckdb.ts';
import { DuckDBSink } from '../../streaming/sinks/duckdb-sink.ts';
import { WriteRefusedError } from '../../streaming/sinks/sink.ts';
import { createdEvent } from '../fixtures/events.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const tables = new Map(loadRawTables().map((t) => [t.name, t]));

function rowsOf(eventId: string): RawRows {
  const verdict = validateEvent({ ...createdEvent(), event_id: eventId });
  assert.ok(verdict.valid);
  return split(verdict.event, verdict.flags, { id: `m-${eventId}`, data: Buffer.alloc(0), attributes: {}, publishTime: new Date() }, new Date());
}

const count = async (path: string, table: string) =>
  withDuckDBFile(path, async (c) => Number((await c.runAndReadAll(`SELECT count(*) FROM raw.${table}`)).getRows()[0]![0]));

describe('DuckDB sink', () => {
  let dir: string;
  before(async () => {
    dir = tempDir('sink');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes a micro-batch to all tables, readable through the *_current views', async () => {
    const path = join(dir, 'a.duckdb');
    await setupDuckDBWarehouse(path);
    const sink = new DuckDBSink({ path, lockTimeoutMs: 5000 });
    assert.deepEqual(await sink.write(rowsOf('e1')), { rejected: [] });
    assert.deepEqual([await count(path, 'orders'), await count(path, 'order_items'), await count(path, 'order_payments')], [1, 2, 1]);
    assert.equal(await count(path, 'order_items_current'), 2);
  });

  test('a batch DuckDB refuses for its values is WriteRefusedError (narrowed down by the pipeline); nothing of it is written', async () => {
    const path = join(dir, 'refused.duckdb');
    await setupDuckDBWarehouse(path);
    const sink = new DuckDBSink({ path, lockTimeoutMs: 5000 });
    const good = rowsOf('r1');
    const bad = rowsOf('r2');
    // What the validator now refuses (issue 15, handed case 2), written past it: DuckDB cannot store it.
    bad.orders[0]!.customer_city = 'bras\ud83dlia';
    await assert.rejects(
      sink.write({ ...good, orders: [...good.orders, ...bad.orders] }),
      (error: unknown) => error instanceof WriteRefusedError && /low surrogate/.test(error.message),
    );
    assert.deepEqual(await sink.write(good), { rejected: [] });
    await sink.close();
    assert.equal(await count(path, 'orders'), 1);
  });

  test('appended rows live inside the explicit transaction: nothing is visible before COMMIT, nothing remains after ROLLBACK', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const writer = await instance.connect();
    const reader = await instance.connect();
    for (const sql of duckdbCreateTable(tables.get('orders')!)) await writer.run(sql);
    const visible = async () => Number((await reader.runAndReadAll('SELECT count(*) FROM raw.orders')).getRows()[0]![0]);
    await writer.run('BEGIN TRANSACTION');
    await appendRows(writer, tables.get('orders')!, rowsOf('e1').orders);
    assert.equal(await visible(), 0, 'appended rows are not visible to another connection before COMMIT');
    await writer.run('ROLLBACK');
    assert.equal(await visible(), 0);
    await writer.run('BEGIN TRANSACTION');
    await appendRows(writer, tables.get('orders')!, rowsOf('e2').orders);
    await writer.run('COMMIT');
    assert.equal(await visible(), 1);
    writer.closeSync();
    reader.closeSync();
    instance.closeSync();
  });

  test('a failure on one table rolls back the rows already appended to the others, and a value DuckDB refuses is reported as refused', async () => {
    const path = join(dir, 'b.duckdb');
    await setupDuckDBWarehouse(path);
    const sink = new DuckDBSink({ path, lockTimeoutMs: 5000 });
    const batch = rowsOf('e1');
    // order_payments is appended after orders and order_items; a NULL key there fails its NOT NULL.
    batch.order_payments[0]!.order_id = null;
    // A constraint error: the same rows fail every time, so the pipeline narrows the batch down rather than retrying it.
    await assert.rejects(sink.write(batch), { name: 'WriteRefusedError' });
    assert.deepEqual([await count(path, 'orders'), await count(path, 'order_items'), await count(path, 'order_payments')], [0, 0, 0]);
  });

  test('batches queued behind a write are committed together, and each resolves once durable', async () => {
    const path = join(dir, 'd.duckdb');
    await setupDuckDBWarehouse(path);
    const sink = new DuckDBSink({ path, lockTimeoutMs: 5000 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => sink.write(rowsOf(`g${i}`))));
    assert.deepEqual(
      results,
      Array.from({ length: 6 }, () => ({ rejected: [] })),
    );
    await sink.close();
    assert.deepEqual([await count(path, 'orders'), await count(path, 'order_items'), await count(path, 'order_payments')], [6, 12, 6]);
  });

  test('a bad batch grouped with good ones fails alone: the others are written', async () => {
    const path = join(dir, 'e.duckdb');
    await setupDuckDBWarehouse(path);
    const sink = new DuckDBSink({ path, lockTimeoutMs: 5000 });
    const bad = rowsOf('bad');
    bad.order_payments[0]!.order_id = null;
    const settled = await Promise.allSettled([sink.write(rowsOf('ok1')), sink.write(bad), sink.write(rowsOf('ok2'))]);
    assert.deepEqual(
      settled.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    await sink.close();
    assert.deepEqual([await count(path, 'orders'), await count(path, 'order_payments')], [2, 2]);
  });

  test('a batch of many inserts lands whole under the default memory limit, and a bad row in its last insert rolls all of them back', async () => {
    const path = join(dir, 'f.duckdb');
    await setupDuckDBWarehouse(path);
    const sink = new DuckDBSink({ path, lockTimeoutMs: 5000 });
    const big = (prefix: string): RawRows => {
      const batch: RawRows = { orders: [], order_items: [], order_payments: [], dead_letter: [] };
      for (let i = 0; i < 12_000; i++) {
        const rows = rowsOf(`${prefix}-${i}`);
        for (const table of ['orders', 'order_items', 'order_payments'] as const) batch[table].push(...rows[table]);
      }
      return batch;
    };
    // 24,000 item rows: twelve inserts of at most 2,048 rows in one transaction, with DuckDB limited to 32MB.
    await sink.write(big('ok'));
    const bad = big('bad');
    bad.order_payments.at(-1)!.order_id = null;
    await assert.rejects(sink.write(bad), { name: 'WriteRefusedError' });
    await sink.close();
    assert.deepEqual([await count(path, 'orders'), await count(path, 'order_items'), await count(path, 'order_payments')], [12_000, 24_000, 12_000]);
  });

  test('an idle sink keeps the file only until another process asks for it', async () => {
    const path = join(dir, 'g.duckdb');
    await setupDuckDBWarehouse(path);
    // Held for up to 10 s, while the other process waits at most 1.5 s: only its asking frees the file.
    const sink = new DuckDBSink({ path, lockTimeoutMs: 5000, maxHoldMs: 10_000 });
    try {
      await sink.write(rowsOf('before'));
      const script = `import { withDuckDBFile } from ${JSON.stringify(new URL('../../common/warehouse/duckdb-file.ts', import.meta.url).pathname)};
        await withDuckDBFile(${JSON.stringify(path)}, (c) => c.run("INSERT INTO raw.orders SELECT * REPLACE ('other' AS order_id) FROM raw.orders"), { lockTimeoutMs: 1500 });`;
      await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
      await sink.write(rowsOf('after'));
    } finally {
      await sink.close();
    }
    assert.equal(await count(path, 'orders'), 3);
  });

  test('a sink under continuous load still lets another process take the file', async () => {
    const path = join(dir, 'c.duckdb');
    await setupDuckDBWarehouse(path);
    const sink = new DuckDBSink({ path, lockTimeoutMs: 10_000, maxHoldMs: 500 });
    await sink.write(rowsOf('first'));
    let loading = true;
    let written = 0;
    const load = (async () => {
      while (loading) await sink.write(rowsOf(`load-${written++}`));
    })();
    // Another process wanting the file for a moment, with less patience than two of the sink's turns.
    const script = `import { withDuckDBFile } from ${JSON.stringify(new URL('../../common/warehouse/duckdb-file.ts', import.meta.url).pathname)};
      await withDuckDBFile(${JSON.stringify(path)}, (c) => c.run('SELECT count(*) FROM raw.orders'), { lockTimeoutMs: 1500 });`;
    try {
      const started = Date.now();
      await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
      assert.ok(written > 0, 'the sink kept writing meanwhile');
      process.stderr.write(`# the other process got the file after ${Date.now() - started} ms, ${written} batches in\n`);
    } finally {
      loading = false;
      await load;
      await sink.close();
    }
  });
});
