import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { runCli } from '../helpers/cli.ts';
import { backlog, spawnWorker, startHarness, terminate, until, type Harness } from '../helpers/worker-harness.ts';

// import -> Pub/Sub (embedded emulator) -> 2 workers -> DuckDB -> batch run, on the hand-made Olist
// fixture. Every expected figure is computed here from the CSV rows alone: dates are the CSV's own
// São Paulo wall-clock dates (the text before the space), money is cents parsed from the CSV text.
// Which assertions need the branches `contract` (flags, event_sequence) and `batch` (business time
// zone, AOV over orders with items) is said in each test's name.

const FIXTURE = fileURLToPath(new URL('../fixtures/olist/', import.meta.url));
type Csv = Record<string, string>[];
const csv = (file: string): Csv => parse(readFileSync(join(FIXTURE, file)), { bom: true, columns: true }) as Csv;

/** Cents of a CSV money text (`89.9`, `120`, `2.00`), without going through a binary float. */
function cents(text: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  assert.ok(match, `not money: ${text}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** The figures the marts must show, from the CSV rows (orphan items and payments have no order and count nowhere). */
function expectedFromCsv() {
  const orders = csv('olist_orders_dataset.csv');
  const items = csv('olist_order_items_dataset.csv');
  const payments = csv('olist_order_payments_dataset.csv');
  const customers = new Map(csv('olist_customers_dataset.csv').map((c) => [c.customer_id!, c]));
  const known = new Set(orders.map((o) => o.order_id!));
  const perOrder = new Map(orders.map((o) => [o.order_id!, { price: 0, freight: 0, paid: 0, items: 0, payments: 0 }]));
  for (const item of items.filter((i) => known.has(i.order_id!))) {
    const o = perOrder.get(item.order_id!)!;
    o.price += cents(item.price!);
    o.freight += cents(item.freight_value!);
    o.items += 1;
  }
  for (const payment of payments.filter((p) => known.has(p.order_id!))) {
    const o = perOrder.get(payment.order_id!)!;
    o.paid += cents(payment.payment_value!);
    o.payments += 1;
  }
  const days = new Map<string, { orders: number; revenue: number; total: number; paid: number }>();
  const months = new Map<string, { orders: number; revenue: number }>();
  const locations = new Map<string, { total: number; withItems: number }>();
  let delivered = 0;
  let late = 0;
  for (const order of orders) {
    const day = order.order_purchase_timestamp!.slice(0, 10);
    const o = perOrder.get(order.order_id!)!;
    const d = days.get(day) ?? { orders: 0, revenue: 0, total: 0, paid: 0 };
    days.set(day, { orders: d.orders + 1, revenue: d.revenue + o.price, total: d.total + o.price + o.freight, paid: d.paid + o.paid });
    const m = months.get(day.slice(0, 7)) ?? { orders: 0, revenue: 0 };
    months.set(day.slice(0, 7), { orders: m.orders + 1, revenue: m.revenue + o.price });
    const customer = customers.get(order.customer_id!)!;
    const key = `${customer.customer_state}|${customer.customer_city}`;
    const l = locations.get(key) ?? { total: 0, withItems: 0 };
    locations.set(key, { total: l.total + o.price + o.freight, withItems: l.withItems + (o.items > 0 ? 1 : 0) });
    if (order.order_status === 'delivered') delivered += 1;
    // Late: delivered on a later São Paulo date than the estimate (both are São Paulo wall-clock texts).
    if (order.order_delivered_customer_date && order.order_delivered_customer_date.slice(0, 10) > order.order_estimated_delivery_date!.slice(0, 10)) late += 1;
  }
  const aov = new Map([...locations].map(([key, l]) => [key, Math.round(l.total / l.withItems)]));
  const paymentRows = [...perOrder.values()].reduce((sum, o) => sum + o.payments, 0);
  return { orders, perOrder, days, months, aov, delivered, late, paymentRows };
}

describe('Olist fixture end to end: import -> Pub/Sub -> 2 workers -> DuckDB -> batch run', { timeout: 300_000 }, () => {
  const expected = expectedFromCsv();
  let harness: Harness;
  let dims: string;
  let importLog: { published: number; failed: number; events: { order_created: number; order_updated: number } };
  let batch: { code: number | null; stdout: string; stderr: string };

  before(async () => {
    harness = await startHarness();
    dims = await mkdtemp(join(tmpdir(), 'olist-e2e-dims-'));
    const workers = [await spawnWorker(harness), await spawnWorker(harness)];
    const imported = await runCli(['import', 'olist', FIXTURE, '--out', 'pubsub', '--project', harness.projectId, '--topic', harness.topic, '--dims', dims], {
      env: { PUBSUB_EMULATOR_HOST: harness.emulator.address },
    });
    assert.equal(imported.code, 0, imported.stderr);
    importLog = imported.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { message: string } & typeof importLog)
      .find((line) => line.message === 'import finished')!;
    await until(() => backlog(harness) === 0, 'the workers ack every imported event');
    for (const worker of workers) assert.equal((await terminate(worker)).code, 0);
    const days = [...expected.days.keys()].sort();
    const run = await runCli([
      'batch',
      'run',
      '--database',
      harness.database,
      '--dims',
      dims,
      '--reports',
      join(dims, 'reports'),
      '--from',
      days[0]!,
      '--to',
      days.at(-1)!,
    ]);
    batch = { code: run.code, stdout: run.stdout.toString('utf8'), stderr: run.stderr };
  });
  after(async () => harness?.close());

  const query = <T>(sql: string) => withDuckDBFile(harness.database, async (db: DuckDBConnection) => (await db.runAndReadAll(sql)).getRowObjectsJS() as T[]);

  test('import side: every event published once, and each landed in exactly one place (raw tables or dead letter)', async () => {
    assert.equal(importLog.failed, 0);
    const total = importLog.events.order_created + importLog.events.order_updated;
    assert.equal(importLog.published, total);
    const ingested = await query<{ event_id: string }>('SELECT DISTINCT event_id FROM raw.orders');
    const dead = await query<{ event_id: string }>('SELECT DISTINCT event_id FROM raw.dead_letter');
    const ids = new Set(ingested.map((r) => r.event_id));
    assert.ok(
      dead.every((r) => !ids.has(r.event_id)),
      'no event both ingested and dead-lettered',
    );
    assert.equal(ids.size + dead.length, total);
    // Orphans were skipped, not invented.
    const orphans = await query<{ n: bigint }>(`SELECT count(*) AS n FROM raw.orders WHERE order_id IN ('aa${'0'.repeat(28)}98', 'aa${'0'.repeat(28)}99')`);
    assert.equal(Number(orphans[0]!.n), 0);
  });

  test('import side: purchase instants are the São Paulo wall-clock times; customers keep 5-digit zips', async () => {
    const rows = await query<{ order_id: string; epoch: number; zip: string | null }>(
      "SELECT order_id, epoch(order_purchase_timestamp) AS epoch, customer_zip_code_prefix AS zip FROM raw.orders WHERE event_type = 'order_created'",
    );
    const byId = new Map(rows.map((r) => [r.order_id, r]));
    const id = (n: number) => `aa${'0'.repeat(28)}${String(n).padStart(2, '0')}`;
    const utc = (n: number) => new Date(Number(byId.get(id(n))!.epoch) * 1000).toISOString();
    assert.equal(utc(8), '2017-11-25T01:59:30.000Z');
    assert.equal(utc(9), '2017-11-25T02:00:30.000Z');
    assert.equal(utc(10), '2017-10-15T02:50:00.000Z');
    assert.equal(utc(11), '2017-10-15T03:20:00.000Z', 'a time in the DST gap moves forward by the gap');
    assert.equal(utc(12), '2018-02-18T01:30:00.000Z', 'the repeated hour: the earlier instant');
    assert.equal(utc(13), '2018-02-18T03:15:00.000Z');
    assert.ok(
      rows.every((r) => r.zip === null || /^\d{5}$/.test(r.zip)),
      JSON.stringify(rows.map((r) => r.zip)),
    );
    assert.equal(byId.get(id(10))!.zip, '09790');
    assert.equal(byId.get(id(12))!.zip, '01310');
  });

  test('raw *_current equal the CSV: final status, items and payments to the cent, for every order [needs contract]', async () => {
    const dead = await query<{ error_code: string; n: bigint }>('SELECT error_code, count(*) AS n FROM raw.dead_letter GROUP BY 1');
    assert.deepEqual(dead, [], 'the revised contract accepts every real quirk');
    const current = await query<{ order_id: string; order_status: string }>('SELECT order_id, order_status FROM raw.orders_current');
    assert.deepEqual(new Map(current.map((r) => [r.order_id, r.order_status])), new Map(expected.orders.map((o) => [o.order_id!, o.order_status!])));
    const lines = await query<{ order_id: string; price: bigint; freight: bigint; items: bigint }>(
      'SELECT order_id, CAST(round(sum(price) * 100) AS BIGINT) AS price, CAST(round(sum(freight_value) * 100) AS BIGINT) AS freight, count(*) AS items FROM raw.order_items_current GROUP BY 1',
    );
    const paid = await query<{ order_id: string; paid: bigint; payments: bigint }>(
      'SELECT order_id, CAST(round(sum(payment_value) * 100) AS BIGINT) AS paid, count(*) AS payments FROM raw.order_payments_current GROUP BY 1',
    );
    const withItems = [...expected.perOrder].filter(([, o]) => o.items > 0);
    assert.deepEqual(
      new Map(lines.map((r) => [r.order_id, [Number(r.items), Number(r.price), Number(r.freight)]])),
      new Map(withItems.map(([id, o]) => [id, [o.items, o.price, o.freight]])),
    );
    const withPayments = [...expected.perOrder].filter(([, o]) => o.payments > 0);
    assert.deepEqual(
      new Map(paid.map((r) => [r.order_id, [Number(r.payments), Number(r.paid)]])),
      new Map(withPayments.map(([id, o]) => [id, [o.payments, o.paid]])),
    );
  });

  test('the batch publishes over the whole history', () => {
    assert.equal(batch.code, 0, `${batch.stdout}\n${batch.stderr}`);
    assert.equal((JSON.parse(batch.stdout.trim().split('\n').at(-1)!) as { status: string }).status, 'published');
  });

  test('orders, revenue, order total and payments per São Paulo day equal the CSV to the cent [needs contract + batch]', async () => {
    const rows = await query<{ day: string; orders: bigint; revenue: bigint; total: bigint; paid: bigint }>(`
      SELECT CAST(purchase_date AS VARCHAR) AS day, order_count AS orders, CAST(round(revenue * 100) AS BIGINT) AS revenue,
        CAST(round(order_total * 100) AS BIGINT) AS total, CAST(round(payment_value * 100) AS BIGINT) AS paid
      FROM mart.agg_daily_sales WHERE order_count > 0 ORDER BY 1`);
    const actual = new Map(rows.map((r) => [r.day, { orders: Number(r.orders), revenue: Number(r.revenue), total: Number(r.total), paid: Number(r.paid) }]));
    assert.deepEqual(actual, new Map([...expected.days].sort(([a], [b]) => a.localeCompare(b))));
  });

  test('orders and revenue per São Paulo month equal the CSV to the cent [needs contract + batch]', async () => {
    const rows = await query<{ month: string; orders: bigint; revenue: bigint }>(`
      SELECT strftime(purchase_date, '%Y-%m') AS month, CAST(sum(order_count) AS BIGINT) AS orders, CAST(round(sum(revenue) * 100) AS BIGINT) AS revenue
      FROM mart.agg_daily_sales GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(
      new Map(rows.map((r) => [r.month, { orders: Number(r.orders), revenue: Number(r.revenue) }])),
      new Map([...expected.months].sort(([a], [b]) => a.localeCompare(b))),
    );
  });

  test("payments: every payment row of an imported order, item-less orders' payments included [needs contract]", async () => {
    const [row] = await query<{ payments: bigint; paid: bigint }>(
      'SELECT CAST(sum(payment_count) AS BIGINT) AS payments, CAST(round(sum(payment_value) * 100) AS BIGINT) AS paid FROM mart.fact_orders',
    );
    const paid = [...expected.perOrder.values()].reduce((sum, o) => sum + o.paid, 0);
    assert.deepEqual({ payments: Number(row!.payments), paid: Number(row!.paid) }, { payments: expected.paymentRows, paid });
  });

  test('delivered and late counts, late compared in São Paulo dates [needs contract + batch]', async () => {
    const [row] = await query<{ delivered: bigint; late: bigint }>(`
      SELECT count(*) FILTER (WHERE order_status = 'delivered') AS delivered, count(*) FILTER (WHERE is_delivered_late) AS late FROM mart.fact_orders`);
    assert.deepEqual({ delivered: Number(row!.delivered), late: Number(row!.late) }, { delivered: expected.delivered, late: expected.late });
  });

  test('AOV per state and city divides by orders with items [needs contract + batch]', async () => {
    const rows = await query<{ key: string; aov: bigint }>(`
      SELECT customer_state || '|' || customer_city AS key, CAST(round(avg_order_value * 100) AS BIGINT) AS aov FROM mart.kpi_aov_by_location`);
    assert.deepEqual(new Map(rows.map((r) => [r.key, Number(r.aov)])), expected.aov);
  });
});
