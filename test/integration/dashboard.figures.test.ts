import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBWarehouse } from '../../batch/engines/duckdb.ts';
import { runBatch } from '../../batch/job.ts';
import { createLogger } from '../../common/logger.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { KPI_CHARTS } from '../../dashboard/queries.ts';
import { REUSE_MS, startDashboard } from '../../dashboard/server.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { readDashboard, rows, type DashboardData, type Row } from '../../dashboard/reader.ts';
import { createRawTables, generateMessages, ingest, writeDims } from '../helpers/raw-fixture.ts';

// The dashboard's figures for a fixture equal what SQL on the published mart says, with and without filters.

const newFile = () => join(mkdtempSync(join(tmpdir(), 'orderflow-dashboard-')), 'warehouse.duckdb');
const read = (path: string, sql: string) => withDuckDBFile(path, (c) => rows(c, sql), { mode: 'read-only' });
const near = (actual: unknown, expected: unknown, what: string) =>
  assert.ok(Math.abs(Number(actual) - Number(expected)) < 1e-6, `${what}: ${actual} vs ${expected}`);

describe('dashboard figures on a published fixture (~3 months of orders)', () => {
  const database = newFile();
  let all: DashboardData;

  before(async () => {
    // 3,000 events ~40 minutes apart: ~83 days, so the monthly charts have several months.
    const messages = generateMessages({ messages: 3000, eventInterval: 2400, startTime: Date.parse('2026-08-01T00:00:00Z') });
    const dims = await writeDims();
    await withDuckDBFile(database, async (connection: DuckDBConnection) => {
      await ingest(connection, messages);
      const result = await runBatch(new DuckDBWarehouse(connection), {
        requested: [],
        dims: new DirectoryStore(dims),
        noPublish: false,
        lookbackDays: 0,
        runId: 'fixture-run',
        now: () => new Date('2026-11-01T02:00:00Z'),
        logger: createLogger({ level: 'silent' }),
      });
      assert.equal(result.status, 'published');
    });
    all = await readDashboard(database, {});
  });

  test('with no filter every KPI chart is its published mart.kpi_* view, row for row', async () => {
    assert.equal(all.status, 'ok');
    for (const [chart, spec] of Object.entries(KPI_CHARTS)) {
      const limit = 'limit' in spec ? ` LIMIT ${spec.limit}` : '';
      const expected = await read(database, `SELECT * FROM mart.${spec.model} ORDER BY ${spec.order}${limit}`);
      assert.ok(expected.length > 0, `${spec.model} has rows`);
      assert.deepEqual(all.charts[chart], expected, chart);
    }
    assert.ok(all.charts.monthly_customer_growth!.length >= 3, 'several months');
  });

  test('the headline KPIs and the AOV by state equal SQL over the facts', async () => {
    const [facts] = await read(
      database,
      `SELECT
      (SELECT SUM(price) FROM mart.fact_sales) AS revenue, (SELECT COUNT(*) FROM mart.fact_orders) AS orders,
      (SELECT COUNT(*) FROM mart.fact_sales) AS items,
      (SELECT ROUND(SUM(order_total) / COUNT(*), 2) FROM mart.fact_orders WHERE item_count > 0) AS aov,
      (SELECT AVG(delivery_days) FROM mart.fact_orders WHERE order_delivered_customer_date IS NOT NULL) AS delivery,
      (SELECT AVG(CASE WHEN is_delivered_late THEN 1.0 ELSE 0.0 END) FROM mart.fact_orders WHERE is_delivered_late IS NOT NULL) AS late,
      (SELECT AVG(CASE WHEN n > 1 THEN 1.0 ELSE 0.0 END) FROM (SELECT COUNT(*) AS n FROM mart.fact_orders GROUP BY customer_unique_id)) AS repeat`,
    );
    const h = all.headline!;
    near(h.revenue, facts!.revenue, 'revenue');
    assert.equal(h.orders, facts!.orders);
    assert.equal(h.items, facts!.items);
    near(h.average_order_value, facts!.aov, 'average order value');
    near(h.average_delivery_days, facts!.delivery, 'average delivery days');
    near(h.late_delivery_rate, facts!.late, 'late-delivery rate');
    near(h.repeat_customer_rate, facts!.repeat, 'repeat-customer rate');
    assert.ok(Number(h.repeat_customer_rate) > 0 && Number(h.late_delivery_rate) >= 0);
    const states = await read(
      database,
      `SELECT customer_state, COUNT(*) AS orders, SUM(order_total) AS order_total
      FROM mart.fact_orders GROUP BY customer_state ORDER BY customer_state`,
    );
    const shown = [...all.charts.aov_by_state!].sort((a, b) => String(a.customer_state).localeCompare(String(b.customer_state)));
    assert.deepEqual(
      shown.map((r) => [r.customer_state, r.orders]),
      states.map((r) => [r.customer_state, r.orders]),
    );
    for (const [i, r] of shown.entries())
      near(r.avg_order_value, Math.round((Number(states[i]!.order_total) / Number(states[i]!.orders)) * 100) / 100, `AOV ${r.customer_state}`);
  });

  test("a state filter changes the figures to that state's, per day", async () => {
    const [top] = await read(database, 'SELECT customer_state FROM mart.fact_orders GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1');
    const state = String(top!.customer_state);
    const filtered = await readDashboard(database, { state });
    const expected = await read(
      database,
      `SELECT purchase_date, COUNT(*) AS order_count, SUM(items_price) AS revenue
      FROM mart.fact_orders WHERE customer_state = '${state}' GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(
      filtered.charts.sales_trend!.map((r) => [r.purchase_date, r.order_count, r.revenue]),
      expected.map((r) => [r.purchase_date, r.order_count, r.revenue]),
    );
    const [count] = await read(database, `SELECT COUNT(*) AS n FROM mart.fact_orders WHERE customer_state = '${state}'`);
    assert.equal(filtered.headline!.orders, count!.n);
    assert.ok(Number(filtered.headline!.orders) < Number(all.headline!.orders));
    assert.deepEqual(
      filtered.charts.aov_by_state!.map((r) => r.customer_state),
      [state],
    );
  });

  test("a category filter keeps the category's items and the orders that have one", async () => {
    const [top] = await read(
      database,
      `SELECT p.product_category_name_english AS category FROM mart.fact_sales s
      JOIN mart.dim_products p ON p.product_id = s.product_id AND p.is_current GROUP BY 1 ORDER BY SUM(s.price) DESC, 1 LIMIT 1`,
    );
    const category = String(top!.category);
    const filtered = await readDashboard(database, { category });
    assert.ok(filtered.charts.top_products!.length > 0);
    assert.ok(filtered.charts.top_products!.every((r: Row) => r.category === category));
    const [expected] = await read(
      database,
      `SELECT SUM(s.price) AS revenue, COUNT(*) AS items, COUNT(DISTINCT s.order_id) AS orders FROM mart.fact_sales s
      JOIN mart.dim_products p ON p.product_id = s.product_id AND p.is_current WHERE p.product_category_name_english = '${category.replaceAll("'", "''")}'`,
    );
    near(filtered.headline!.revenue, expected!.revenue, 'category revenue');
    assert.equal(filtered.headline!.items, expected!.items);
    assert.equal(filtered.headline!.orders, expected!.orders);
  });

  test('a category that would break a quoted literal is a value matched as given (bound, issue 19.3): no orders, nothing dropped', async () => {
    const filtered = await readDashboard(database, { category: "x' OR TRUE OR '\\'); DROP TABLE mart.fact_orders; --" });
    assert.equal(filtered.status, 'ok');
    assert.equal(filtered.headline!.orders, 0);
    assert.deepEqual(filtered.charts.top_products, []);
    assert.equal((await readDashboard(database, {})).headline!.orders, all.headline!.orders);
  });

  test('a date range keeps only its purchase dates', async () => {
    const dates = all.charts.sales_trend!.map((r) => String(r.purchase_date));
    const [from, to] = [dates[10]!, dates[20]!];
    const filtered = await readDashboard(database, { from, to });
    const shown = filtered.charts.sales_trend!.map((r) => String(r.purchase_date));
    assert.deepEqual(
      shown,
      dates.filter((d) => d >= from && d <= to),
    );
    const [count] = await read(database, `SELECT COUNT(*) AS n FROM mart.fact_orders WHERE purchase_date BETWEEN DATE '${from}' AND DATE '${to}'`);
    assert.equal(filtered.headline!.orders, count!.n);
  });

  test('the pipeline figures: raw rows per table and the WAP run with its checks', async () => {
    const raw = Object.fromEntries(all.pipeline.raw_rows.map((r) => [r.raw_table, r.row_count]));
    const [counts] = await read(database, 'SELECT (SELECT COUNT(*) FROM raw.orders) AS orders, (SELECT COUNT(*) FROM raw.order_items) AS items');
    assert.equal(raw.orders, counts!.orders);
    assert.equal(raw.order_items, counts!.items);
    const [run] = all.pipeline.wap_runs;
    assert.equal(run!.run_id, 'fixture-run');
    assert.equal(run!.status, 'published');
    const [checks] = await read(database, "SELECT COUNT(*) AS n FROM audit.audit_log WHERE run_id = 'fixture-run' AND status = 'pass'");
    assert.equal(run!.passed, checks!.n);
  });

  test('the server: page, charting library, CSV of a chart, refusals, and the last figures while the file stays busy', async () => {
    const dashboard = await startDashboard({ database, port: 0, refreshSeconds: 7, lockTimeoutMs: 300 });
    try {
      const page = await fetch(dashboard.url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /data-refresh-seconds="7"/);
      const library = await fetch(`${dashboard.url}vendor/echarts.min.js`);
      assert.equal(library.status, 200);
      assert.ok((await library.text()).length > 500_000, 'the whole library, from node_modules');
      const csv = await (await fetch(`${dashboard.url}api/csv/top_products`)).text();
      const lines = csv.trim().split('\n');
      assert.equal(lines[0], Object.keys(all.charts.top_products![0]!).join(','));
      assert.equal(lines.length, all.charts.top_products!.length + 1);
      assert.equal((await fetch(`${dashboard.url}api/csv/nothing`)).status, 404);
      const refused = await fetch(`${dashboard.url}api/data?state=S%27P`);
      assert.equal(refused.status, 400);
      assert.match(((await refused.json()) as { error: string }).error, /state must be/);

      const fresh = (await (await fetch(`${dashboard.url}api/data`)).json()) as DashboardData;
      const freshAt = Date.now();
      assert.equal(fresh.stale, undefined);
      // Another process holds the file for longer than the read waits: the page keeps the last figures, marked stale.
      const holder = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `
import { withDuckDBFile } from ${JSON.stringify(new URL('../../common/warehouse/duckdb-file.ts', import.meta.url).href)};
await withDuckDBFile(process.argv.at(-1), async () => { process.stdout.write('holding\\n'); await new Promise((r) => setTimeout(r, 3000)); });`,
          database,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) => holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve()));
      // Past the time one read is shared, so the next request goes to the file.
      await sleep(Math.max(0, REUSE_MS - (Date.now() - freshAt)));
      const busy = (await (await fetch(`${dashboard.url}api/data`)).json()) as DashboardData;
      assert.match(busy.stale ?? '', /stayed locked/);
      assert.deepEqual(busy.headline, fresh.headline);
      await new Promise((resolve) => holder.on('close', resolve));
    } finally {
      await dashboard.close();
    }
  });

  test('bad filters are refused with a reason', async () => {
    await assert.rejects(readDashboard(database, { state: "SP' OR 1=1 --" }), /state must be a two-letter state code/);
    await assert.rejects(readDashboard(database, { from: '2026-13-45' }), /from must be a date/);
  });

  test('the dashboard reads while another process writes the file: neither fails, and the writer is not stopped', async () => {
    const writer = `
import { withDuckDBFile } from ${JSON.stringify(new URL('../../common/warehouse/duckdb-file.ts', import.meta.url).href)};
const path = process.argv.at(-1);
for (let b = 0; b < 5; b++) {
  await withDuckDBFile(path, async (c) => {
    await c.run('CREATE TABLE IF NOT EXISTS main.writes (n INTEGER)');
    await c.run('INSERT INTO main.writes SELECT range FROM range(100)');
  });
}`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer, database], { stdio: ['ignore', 'inherit', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const reads: DashboardData[] = [];
    let done = false;
    void exited.then(() => (done = true));
    while (!done || reads.length < 3) reads.push(await readDashboard(database, {}, 30_000));
    assert.equal(await exited, 0);
    assert.ok(reads.every((r) => r.status === 'ok' && r.headline!.orders === all.headline!.orders));
    const [writes] = await read(database, 'SELECT COUNT(*) AS n FROM main.writes');
    assert.equal(writes!.n, 500);
  });
});

test('the dashboard says plainly when there is no warehouse, or nothing published yet', async () => {
  const missing = await readDashboard(join(mkdtempSync(join(tmpdir(), 'orderflow-dashboard-')), 'none.duckdb'), {});
  assert.equal(missing.status, 'no_warehouse');
  const database = newFile();
  await withDuckDBFile(database, async (c) => {
    await createRawTables(c);
  });
  const empty = await readDashboard(database, {});
  assert.equal(empty.status, 'empty');
  assert.deepEqual(empty.charts, {});
  assert.deepEqual(
    empty.pipeline.raw_rows.map((r) => r.row_count),
    [0, 0, 0, 0],
  );
});
