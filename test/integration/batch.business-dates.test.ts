import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../../common/errors.ts';
import { DuckDBWarehouse } from '../../batch/engines/duckdb.ts';
import { runBatch, type BatchOptions } from '../../batch/job.ts';
import { batchTestOptions } from '../helpers/batch-options.ts';
import { loadModels } from '../../batch/models.ts';
import { writeDims } from '../helpers/raw-fixture.ts';
import { ingestEvents, orderEvent, updateEvent, type RawEvent } from '../helpers/raw-events.ts';

const id = (c: string) => c.repeat(32);
const at = (iso: string) => new Date(iso);
const rows = async (db: DuckDBConnection, sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson();

// São Paulo is UTC-3 in 2026 (no DST since 2019): 02:30Z is 23:30 the day before.
const A = orderEvent(0, id('a'), '2026-11-10T02:30:00Z');
const B = orderEvent(1, id('b'), '2026-11-10T03:30:00Z', { price: 50, freight: 5 });
// Canceled with no items (real Olist has ~0.8% such orders), its payment kept.
const C = orderEvent(2, id('c'), '2026-11-10T15:00:00Z', { items: false, payment: 10 });
// Delivered event stamped before its carrier scan: event_sequence, not event_time, decides latest.
const D = orderEvent(3, id('d'), '2026-11-12T15:00:00Z');
const E = orderEvent(4, id('e'), '2026-11-11T12:00:00Z');
// Odd but valid dates (the contract accepts 2000-2099): dim_date must cover them.
const F = orderEvent(5, id('f'), '2099-12-31T12:00:00Z');
const G = orderEvent(6, id('0'), '2000-01-01T12:00:00Z');

const events: RawEvent[] = [
  ...[A, B, C, D, E, F, G].map((event) => ({ event, sequence: 1, ingestedAt: at('2026-11-21T10:00:00Z') })),
  { event: updateEvent(C, 'canceled', '2026-11-10T16:00:00Z', { order_status: 'canceled' }), sequence: 2, ingestedAt: at('2026-11-21T10:00:01Z') },
  {
    event: updateEvent(D, 'shipped', '2026-11-15T12:00:00Z', {
      order_status: 'shipped',
      order_approved_at: '2026-11-12T16:00:00Z',
      order_delivered_carrier_date: '2026-11-15T12:00:00Z',
      order_estimated_delivery_date: '2026-11-19T03:00:00Z',
    }),
    sequence: 2,
    ingestedAt: at('2026-11-21T10:00:02Z'),
  },
  {
    // Delivered 2026-11-19 22:00 local (2026-11-20 01:00Z), estimated for 2026-11-19 local midnight: on time in local dates, late in UTC dates.
    event: updateEvent(D, 'delivered', '2026-11-15T11:00:00Z', {
      order_status: 'delivered',
      order_approved_at: '2026-11-12T16:00:00Z',
      order_delivered_carrier_date: '2026-11-15T12:00:00Z',
      order_delivered_customer_date: '2026-11-20T01:00:00Z',
      order_estimated_delivery_date: '2026-11-19T03:00:00Z',
    }),
    sequence: 3,
    ingestedAt: at('2026-11-21T10:00:03Z'),
  },
  {
    event: updateEvent(E, 'shipped', '2026-11-11T13:00:00Z', { order_status: 'shipped', order_delivered_carrier_date: '2026-11-11T11:00:00Z' }),
    sequence: 2,
    ingestedAt: at('2026-11-21T10:00:04Z'),
  },
];

describe('batch run: business dates in the configured time zone, item-less orders, latest by event_sequence', () => {
  let db: DuckDBConnection;
  let dims: string;
  const options = (overrides: Partial<BatchOptions> = {}) => batchTestOptions(dims, new Date('2026-11-25T12:00:00Z'), overrides);

  before(async () => {
    db = await (await DuckDBInstance.create(':memory:')).connect();
    dims = await writeDims();
    await ingestEvents(db, events);
  });
  after(() => rmSync(dims, { recursive: true, force: true }));

  test('the run publishes, years 2000 and 2099 included: dim_date spans whole years from the data', async () => {
    const result = await runBatch(new DuckDBWarehouse(db), options());
    assert.equal(result.status, 'published', JSON.stringify(result.checks.filter((c) => c.status === 'fail')));
    const [span] = await rows(
      db,
      `SELECT CAST(MIN(date_day) AS VARCHAR) AS first, CAST(MAX(date_day) AS VARCHAR) AS last, COUNT(*) AS days FROM mart.dim_date`,
    );
    assert.deepEqual(span, { first: '2000-01-01', last: '2099-12-31', days: '36525' });
    assert.deepEqual(result.dates, ['2000-01-01', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2099-12-31']);
  });

  test('the model metadata is on the mart as DuckDB comments (tables, views, columns)', async () => {
    const meta = loadModels().find((m) => m.name === 'fact_orders')!;
    assert.deepEqual(await rows(db, `SELECT comment FROM duckdb_tables() WHERE schema_name = 'mart' AND table_name = 'fact_orders'`), [
      { comment: meta.description },
    ]);
    assert.deepEqual(
      await rows(db, `SELECT comment FROM duckdb_columns() WHERE schema_name = 'mart' AND table_name = 'fact_orders' AND column_name = 'no_items'`),
      [{ comment: meta.columns.find((c) => c.name === 'no_items')!.description }],
    );
    const [view] = await rows(db, `SELECT comment FROM duckdb_views() WHERE schema_name = 'mart' AND view_name = 'kpi_aov_by_location'`);
    assert.equal(view!.comment, loadModels().find((m) => m.name === 'kpi_aov_by_location')!.description);
  });

  test('purchase dates are São Paulo dates: 02:30Z is the day before, 03:30Z the same day', async () => {
    const dates = await rows(
      db,
      `SELECT order_id, CAST(purchase_date AS VARCHAR) AS d FROM mart.fact_orders WHERE order_id IN ('${A.order.order_id}', '${B.order.order_id}') ORDER BY 1`,
    );
    assert.deepEqual(
      dates.map((r) => r.d),
      ['2026-11-09', '2026-11-10'],
    );
  });

  test('an order without items stays in fact_orders with its payment and its flags', async () => {
    const [c] = await rows(
      db,
      `SELECT order_status, item_count, CAST(payment_value AS VARCHAR) AS paid, CAST(order_total AS VARCHAR) AS total, no_items, no_payments
      FROM mart.fact_orders WHERE order_id = '${C.order.order_id}'`,
    );
    assert.deepEqual(c, { order_status: 'canceled', item_count: '0', paid: '10.00', total: '0.00', no_items: true, no_payments: false });
    assert.deepEqual(await rows(db, `SELECT COUNT(*) AS n FROM mart.fact_sales WHERE order_id = '${C.order.order_id}'`), [{ n: '0' }]);
  });

  test('averages per order divide by orders with items: 11-10 has 2 orders, 1 with items, AOV 55.00 (not 27.50)', async () => {
    const [day] = await rows(
      db,
      `SELECT order_count, orders_with_items, CAST(order_total AS VARCHAR) AS total, CAST(payment_value AS VARCHAR) AS paid,
      CAST(avg_order_value AS VARCHAR) AS aov FROM mart.agg_daily_sales WHERE purchase_date = DATE '2026-11-10'`,
    );
    assert.deepEqual(day, { order_count: '2', orders_with_items: '1', total: '55.00', paid: '65.00', aov: '55.00' });
    const [place] = await rows(
      db,
      `SELECT orders, orders_with_items, avg_order_value FROM mart.kpi_aov_by_location
      WHERE (customer_state, customer_city) IN (SELECT (customer_state, customer_city) FROM mart.fact_orders WHERE order_id = '${C.order.order_id}')
        AND orders_with_items = 0`,
    );
    assert.deepEqual(place, { orders: '1', orders_with_items: '0', avg_order_value: null }, 'a place with only an item-less order has no AOV, not 0.00');
  });

  test('latest = greatest event_sequence: a delivery stamped before its carrier scan still wins; lateness and delivery days in local dates', async () => {
    const [d] = await rows(db, `SELECT order_status, delivery_days, is_delivered_late FROM mart.fact_orders WHERE order_id = '${D.order.order_id}'`);
    assert.deepEqual(d, { order_status: 'delivered', delivery_days: '7', is_delivered_late: false });
  });

  test('a carrier scan before the purchase is kept and flagged', async () => {
    const [e] = await rows(
      db,
      `SELECT order_status, timestamp_before_purchase, CAST(order_delivered_carrier_date AS VARCHAR) AS carrier FROM mart.fact_orders WHERE order_id = '${E.order.order_id}'`,
    );
    assert.deepEqual(e, { order_status: 'shipped', timestamp_before_purchase: true, carrier: '2026-11-11 11:00:00' });
  });

  test('the time zone is recorded; another one refuses to run without --full-refresh, which moves every order to its new date', async () => {
    assert.deepEqual(await rows(db, `SELECT DISTINCT time_zone FROM audit.batch_runs WHERE status = 'published'`), [{ time_zone: 'America/Sao_Paulo' }]);
    await assert.rejects(
      runBatch(new DuckDBWarehouse(db), options({ timeZone: 'UTC' })),
      (error: Error) =>
        error instanceof UsageError && /--time-zone UTC differs from the published mart's America\/Sao_Paulo: rerun with --full-refresh/.test(error.message),
    );
    const result = await runBatch(new DuckDBWarehouse(db), options({ timeZone: 'UTC', fullRefresh: true }));
    assert.equal(result.status, 'published');
    assert.deepEqual(await rows(db, `SELECT CAST(purchase_date AS VARCHAR) AS d FROM mart.fact_orders WHERE order_id = '${A.order.order_id}'`), [
      { d: '2026-11-10' },
    ]);
    assert.deepEqual(
      await rows(db, `SELECT COUNT(*) AS n FROM mart.agg_daily_sales WHERE purchase_date = DATE '2026-11-09'`),
      [{ n: '0' }],
      'the old date is emptied',
    );
    assert.deepEqual(await rows(db, `SELECT order_count FROM mart.agg_daily_sales WHERE purchase_date = DATE '2026-11-10'`), [{ order_count: '3' }]);
    const [d] = await rows(db, `SELECT delivery_days, is_delivered_late FROM mart.fact_orders WHERE order_id = '${D.order.order_id}'`);
    assert.deepEqual(d, { delivery_days: '8', is_delivered_late: true }, 'in UTC dates the same delivery counts as late');
  });
});
