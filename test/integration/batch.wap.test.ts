import assert from 'node:assert/strict';
import { rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DirectoryStore } from '../../common/object-store.ts';
import { DuckDBWarehouse } from '../../batch/engines/duckdb.ts';
import { runBatch, type BatchOptions } from '../../batch/job.ts';
import { batchTestOptions } from '../helpers/batch-options.ts';
import { expectedOrderPayments, expectedTotals, localDate } from '../helpers/expected-sales.ts';
import { partitionChecksums, schemaChecksums } from '../helpers/mart-checksum.ts';
import type { OrderEvent } from '../../common/contract/order-event.generated.ts';
import type { GeneratedMessage } from '../../generator/stream.ts';
import { eventsOf, generateMessages, ingest, writeDims } from '../helpers/raw-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const NOW = new Date('2026-11-20T02:00:00Z');
// The job's default business time zone: every expected date below is a São Paulo date.
const TZ = 'America/Sao_Paulo';
const local = (iso: string) => localDate(iso, TZ);
const cents = (text: unknown) => Math.round(Number(text) * 100);

async function rows(db: DuckDBConnection, sql: string) {
  return (await db.runAndReadAll(sql)).getRowObjectsJson();
}

describe('batch run on DuckDB: a multi-day fixture with duplicates and late updates', () => {
  // ~8 days of events (mean 240 s apart), 35% updates moving orders along, 5% redelivered duplicates.
  const messages = generateMessages({ messages: 3000 });
  const events = eventsOf(messages);
  // The late update: an order bought 5 days before the fixture's last day is delivered, and the
  // event arrives after the first run (the generator's own updates lag at most ~2 days).
  const lastDay = Date.parse(`${local(events.at(-1)!.event_time)}T00:00:00Z`);
  const fiveDaysAgo = new Date(lastDay - 5 * 86_400_000).toISOString().slice(0, 10);
  const latest = new Map(events.map((e) => [e.order.order_id, e]));
  const target = [...latest.values()].find((e) => local(e.order.order_purchase_timestamp) === fiveDaysAgo && e.order.order_status === 'created')!;
  const dayOf = (iso: string) => Date.parse(`${local(iso)}T00:00:00Z`);
  const isoAt = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const purchase = Date.parse(target.order.order_purchase_timestamp);
  const deliveredAt = isoAt(Date.parse(events.at(-1)!.event_time) + 3_600_000);
  const late: OrderEvent = {
    // Numbered after the order's generated events (event_sequence decides "latest" before event_time).
    event_id: `${target.order.order_id}.late`,
    event_type: 'order_updated',
    event_time: deliveredAt,
    event_sequence: 100,
    schema_version: 1,
    source: 'test',
    order: {
      ...target.order,
      order_status: 'delivered',
      order_approved_at: isoAt(purchase + 3_600_000),
      order_delivered_carrier_date: isoAt(purchase + 86_400_000),
      order_delivered_customer_date: deliveredAt,
    },
  };
  const held: GeneratedMessage[] = [
    { data: Buffer.from(JSON.stringify(late)), attributes: { event_id: late.event_id }, orderingKey: late.order.order_id, kind: 'updated', event: late },
  ];
  const early = messages;

  let db: DuckDBConnection;
  let dimsDir: string;
  let reportsDir: string;
  const options = (overrides: Partial<BatchOptions> = {}) => batchTestOptions(dimsDir, NOW, { reports: new DirectoryStore(reportsDir), ...overrides });

  before(async () => {
    db = await (await DuckDBInstance.create(':memory:')).connect();
    dimsDir = await writeDims();
    reportsDir = tempDir('reports');
    await ingest(db, early);
  });
  after(() => {
    rmSync(dimsDir, { recursive: true, force: true });
    rmSync(reportsDir, { recursive: true, force: true });
  });

  test('the fixture really has duplicates and updates arriving days after the purchase', () => {
    assert.ok(target, 'an order bought 5 days before the last day, still in status created');
    assert.ok(messages.some((m) => m.kind === 'duplicate'));
    assert.ok(events.some((e) => e.event_type === 'order_updated' && e.event_time.slice(0, 10) > e.order.order_purchase_timestamp.slice(0, 10)));
  });

  test('first run publishes every touched date; facts match totals computed from the events', async () => {
    const result = await runBatch(new DuckDBWarehouse(db), options());
    assert.equal(result.status, 'published', JSON.stringify(result.checks.filter((c) => c.status === 'fail')));
    const expected = expectedTotals(eventsOf(early), TZ);
    assert.deepEqual(result.dates, [...expected.keys()].sort());
    const facts = await rows(
      db,
      `SELECT CAST(purchase_date AS VARCHAR) AS d, COUNT(*) AS items, SUM(price) AS price, SUM(freight_value) AS freight,
      SUM(allocated_payment) AS allocated FROM mart.fact_sales GROUP BY 1 ORDER BY 1`,
    );
    const orders = await rows(db, `SELECT CAST(purchase_date AS VARCHAR) AS d, order_count, payment_value FROM mart.agg_daily_sales ORDER BY 1`);
    assert.equal(facts.length, expected.size);
    for (const [i, fact] of facts.entries()) {
      const day = expected.get(String(fact.d))!;
      assert.deepEqual(
        [Number(fact.items), cents(fact.price), cents(fact.freight), cents(fact.allocated), Number(orders[i]!.order_count), cents(orders[i]!.payment_value)],
        [day.items, day.priceCents, day.freightCents, day.paymentCents, day.orders, day.paymentCents],
        `totals of ${String(fact.d)}`,
      );
    }
  });

  test("allocated payments sum to each order's payments to the cent, and split in proportion to item totals", async () => {
    const allocated = await rows(db, `SELECT order_id, SUM(allocated_payment) AS allocated FROM mart.fact_sales GROUP BY 1`);
    const paid = expectedOrderPayments(eventsOf(early));
    assert.ok(allocated.length > 1000);
    for (const row of allocated) assert.equal(cents(row.allocated), paid.get(String(row.order_id)), String(row.order_id));
    const multi = await rows(
      db,
      `SELECT order_id, item_total, allocated_payment, SUM(item_total) OVER (PARTITION BY order_id) AS total,
      SUM(allocated_payment) OVER (PARTITION BY order_id) AS paid FROM mart.fact_sales QUALIFY COUNT(*) OVER (PARTITION BY order_id) > 1`,
    );
    assert.ok(multi.length > 0, 'the fixture has multi-item orders');
    for (const row of multi) {
      const share = (Number(row.item_total) / Number(row.total)) * Number(row.paid);
      assert.ok(Math.abs(share - Number(row.allocated_payment)) < 0.01 + 1e-9, `${String(row.order_id)}: ${String(row.allocated_payment)} vs ${share}`);
    }
  });

  test('running the same date again leaves the mart byte-for-byte the same', async () => {
    const before = await schemaChecksums(db);
    const result = await runBatch(new DuckDBWarehouse(db), options({ requested: [fiveDaysAgo] }));
    assert.equal(result.status, 'published');
    assert.deepEqual(result.dates, [fiveDaysAgo]);
    assert.deepEqual(await schemaChecksums(db), before);
  });

  test('with nothing new and no date asked for there is no work', async () => {
    const result = await runBatch(new DuckDBWarehouse(db), options());
    assert.equal(result.status, 'no_work');
  });

  test('a late update to an order from 5 days ago republishes that date only', async () => {
    const beforeSales = await partitionChecksums(db, 'mart.fact_sales');
    const beforeOrders = await partitionChecksums(db, 'mart.fact_orders');
    const afterWatermark = new Date(
      Date.parse(`${(await rows(db, `SELECT CAST(MAX(watermark) AS VARCHAR) AS w FROM audit.batch_runs`))[0]!.w}Z`.replace(' ', 'T')) + 3_600_000,
    );
    await ingest(db, held, () => afterWatermark);
    const result = await runBatch(new DuckDBWarehouse(db), options());
    assert.equal(result.status, 'published');
    assert.deepEqual(result.dates, [fiveDaysAgo]);
    assert.deepEqual(await rows(db, `SELECT DISTINCT CAST(purchase_date AS VARCHAR) AS d FROM audit.fact_orders`), [{ d: fiveDaysAgo }]);
    const [order] = await rows(db, `SELECT order_status FROM mart.fact_orders WHERE order_id = '${late.order.order_id}'`);
    assert.equal(order!.order_status, late.order.order_status);
    const afterOrders = await partitionChecksums(db, 'mart.fact_orders');
    const afterSales = await partitionChecksums(db, 'mart.fact_sales');
    for (const date of Object.keys(beforeOrders)) {
      if (date === fiveDaysAgo) assert.notEqual(afterOrders[date], beforeOrders[date], 'the late date changed');
      else assert.equal(afterOrders[date], beforeOrders[date], `${date} untouched`);
    }
    for (const date of Object.keys(beforeSales).filter((d) => d !== fiveDaysAgo)) assert.equal(afterSales[date], beforeSales[date]);
  });

  test('the report and audit_log record every check of the run', async () => {
    const result = await runBatch(new DuckDBWarehouse(db), options({ requested: [fiveDaysAgo], noPublish: true }));
    assert.equal(result.status, 'audited');
    // The fixture ends days before the run's clock: freshness warns, and warnings do not block.
    assert.equal(result.checks.find((c) => c.name === 'freshness')!.status, 'warn');
    assert.deepEqual(
      result.checks.filter((c) => c.status === 'fail'),
      [],
    );
    const report = JSON.parse(readFileSync(result.reportLocation!, 'utf8'));
    assert.equal(report.checks.length, result.checks.length);
    assert.ok(report.candidate_rows.fact_sales > 0);
    const [logged] = await rows(db, `SELECT COUNT(*) AS n FROM audit.audit_log WHERE run_id = '${result.runId}'`);
    assert.equal(Number(logged!.n), result.checks.length);
  });

  test('KPI views read the published mart', async () => {
    for (const view of [
      'kpi_monthly_customer_growth',
      'kpi_top_products',
      'kpi_sales_by_seller',
      'kpi_sales_trend',
      'kpi_seller_delivery_time',
      'kpi_aov_by_location',
      'kpi_purchase_frequency',
      'kpi_monthly_retention',
    ]) {
      const [count] = await rows(db, `SELECT COUNT(*) AS n FROM mart.${view}`);
      assert.ok(Number(count!.n) > 0, view);
    }
    const [delivery] = await rows(db, `SELECT AVG(avg_delivery_days) AS days FROM mart.kpi_seller_delivery_time`);
    assert.equal(Number(delivery!.days), (dayOf(deliveredAt) - dayOf(target.order.order_purchase_timestamp)) / 86_400_000, 'the one delivered order');
    const [growth] = await rows(db, `SELECT SUM(new_customers) AS n FROM mart.kpi_monthly_customer_growth`);
    const [people] = await rows(db, `SELECT COUNT(DISTINCT customer_unique_id) AS n FROM mart.fact_orders`);
    assert.equal(growth!.n, people!.n);
  });

  test('a changed customer in the next snapshot closes its version and opens a new one (SCD2)', async () => {
    const file = join(dimsDir, 'olist_customers_dataset.csv');
    const [header, first, ...rest] = readFileSync(file, 'utf8').trimEnd().split('\n');
    const fields = first!.split(',');
    const moved = [...fields.slice(0, 3), 'nova cidade', 'RR'].join(',');
    writeFileSync(file, [header, moved, ...rest].join('\n') + '\n');
    const later = new Date('2026-11-21T02:00:00Z');
    const result = await runBatch(new DuckDBWarehouse(db), options({ requested: [fiveDaysAgo], now: () => later }));
    assert.equal(result.status, 'published');
    const versions = await rows(
      db,
      `SELECT customer_city, CAST(valid_from AS VARCHAR) AS f, CAST(valid_to AS VARCHAR) AS t, is_current
      FROM mart.dim_customers WHERE customer_id = '${fields[0]!.replaceAll('"', '')}' ORDER BY valid_from`,
    );
    assert.deepEqual(
      versions.map((v) => [v.customer_city, v.f, v.t, v.is_current]),
      [
        [fields[3], '1900-01-01', '2026-11-21', false],
        ['nova cidade', '2026-11-21', null, true],
      ],
    );
  });
});
