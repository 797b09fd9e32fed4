import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Temporal } from 'temporal-polyfill';
import { validateMessage } from '../../common/contract/validate.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { SNAPSHOT_FILES } from '../../common/dims-files.ts';
import { copyDims } from '../../importer/olist/dims.ts';
import type { ImportedEvent } from '../../importer/olist/events.ts';
import { importOlist } from '../../importer/olist/import.ts';
import { SourceClock } from '../../importer/olist/local-time.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/olist/', import.meta.url));
const id = (prefix: string, n: number) => `${prefix}${'0'.repeat(28)}${String(n).padStart(2, '0')}`;
const order = (n: number) => id('aa', n);

interface Event {
  event_id: string;
  event_type: string;
  event_time: string;
  event_sequence: number;
  order: Record<string, string | null>;
  items?: Record<string, unknown>[];
  payments?: Record<string, unknown>[];
  customer?: Record<string, string>;
}

async function importFixture(dir = FIXTURE) {
  const emitted: ImportedEvent[] = [];
  const report = await importOlist({ source: new DirectoryStore(dir), clock: new SourceClock('America/Sao_Paulo'), emit: async (e) => void emitted.push(e) });
  const events = emitted.map((e) => JSON.parse(e.json) as Event);
  const of = (n: number) => events.filter((e) => e.order.order_id === order(n));
  return { report, emitted, events, of };
}

describe('SourceClock: São Paulo wall-clock time to RFC 3339, historical DST', () => {
  const clock = new SourceClock('America/Sao_Paulo');
  const cases: [string, string | null, string][] = [
    ['2017-10-02 10:56:33', '2017-10-02T10:56:33-03:00', 'standard time'],
    ['2017-11-10 12:00:00', '2017-11-10T12:00:00-02:00', 'daylight saving time (2017-10-15 to 2018-02-17)'],
    ['2017-10-14 23:59:59', '2017-10-14T23:59:59-03:00', 'the last second before the gap'],
    ['2017-10-15 00:00:00', '2017-10-15T01:00:00-02:00', 'midnight did not exist: moved forward by the gap'],
    ['2017-10-15 00:20:00', '2017-10-15T01:20:00-02:00', 'inside the gap'],
    ['2017-10-15 01:00:00', '2017-10-15T01:00:00-02:00', 'the first hour after the gap'],
    ['2018-02-17 22:59:59', '2018-02-17T22:59:59-02:00', 'before the repeated hour'],
    ['2018-02-17 23:30:00', '2018-02-17T23:30:00-02:00', 'the repeated hour: the earlier (daylight) instant'],
    ['2018-02-18 00:00:00', '2018-02-18T00:00:00-03:00', 'after the repeated hour'],
    ['2019-11-03 00:00:00', '2019-11-03T00:00:00-03:00', 'Brazil dropped DST in 2019: no gap'],
    ['2017-10-02T10:56:33Z', '2017-10-02T10:56:33Z', 'a zoned time keeps its zone'],
    ['2017-10-02 10:56:33.25', '2017-10-02T10:56:33.25-03:00', 'fractions kept'],
    ['', null, 'empty: not reached'],
    ['2017-02-30 10:00:00', '2017-02-30 10:00:00', 'not a date: left for the validator'],
    ['02/10/2017 10:56', '02/10/2017 10:56', 'not our form: left for the validator'],
  ];
  for (const [input, expected, why] of cases) {
    test(`${JSON.stringify(input)} -> ${JSON.stringify(expected)} (${why})`, () => assert.equal(clock.toRfc3339(input), expected));
  }

  test('every second of both transition nights maps to the instant Temporal gives without the hour cache', () => {
    // The cache answers by local hour; here each time is checked against the same instant read from its UTC form.
    for (const night of ['2017-10-14', '2017-10-15', '2018-02-17', '2018-02-18']) {
      for (let s = 0; s < 86_400; s += 37) {
        const hh = String(Math.floor(s / 3600)).padStart(2, '0');
        const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
        const ss = String(s % 60).padStart(2, '0');
        const out = clock.toRfc3339(`${night} ${hh}:${mm}:${ss}`)!;
        const offsetHours = Number(out.slice(-6, -3));
        assert.ok(offsetHours === -2 || offsetHours === -3, out);
        const local = new Date(Date.parse(out) + offsetHours * 3_600_000).toISOString().slice(0, 19);
        assert.equal(local, out.slice(0, 19), `${out} is not its own wall-clock time`);
        // Outside the gap the wall clock is kept; inside it moves forward by one hour.
        const inGap = night === '2017-10-15' && hh === '00';
        assert.equal(out.slice(11, 19), inGap ? `01:${mm}:${ss}` : `${hh}:${mm}:${ss}`);
      }
    }
  });

  test('the span cache agrees with Temporal on every time, in zones with odd transitions too', () => {
    // St_Johns changed clocks at 00:01 until 2011, Lord_Howe by 30 minutes.
    for (const zone of ['America/Sao_Paulo', 'America/St_Johns', 'Australia/Lord_Howe']) {
      const cached = new SourceClock(zone);
      const walls: string[] = [];
      // A coarse sweep over 2000-2030 (a prime step, so every hour of the day comes up) ...
      for (let ms = Date.UTC(2000, 0, 1); ms < Date.UTC(2030, 0, 1); ms += 396_997_000) walls.push(new Date(ms).toISOString().slice(0, 19));
      // ... and every 7 minutes within 4 hours of each of the first 12 transitions after 2005.
      let at = Temporal.PlainDateTime.from('2005-01-01T00:00:00').toZonedDateTime(zone);
      for (let n = 0; n < 12; n++) {
        at = at.getTimeZoneTransition('next')!;
        const wall = Date.parse(`${at.toPlainDateTime().toString()}Z`);
        for (let ms = wall - 4 * 3_600_000; ms <= wall + 4 * 3_600_000; ms += 420_000) walls.push(new Date(ms).toISOString().slice(0, 19));
      }
      for (const wall of walls) {
        const expected = Temporal.PlainDateTime.from(wall).toZonedDateTime(zone, { disambiguation: 'compatible' });
        assert.equal(cached.toRfc3339(wall.replace('T', ' ')), `${expected.toPlainDateTime().toString()}${expected.offset}`, `${zone} ${wall}`);
      }
    }
  });

  test('an unknown zone is one usage error', () => {
    assert.throws(() => new SourceClock('America/Nowhere'), { name: 'UsageError', message: /--source-time-zone must be an IANA time zone/ });
  });
});

describe('importOlist on the hand-made fixture', () => {
  test('every order: order_created at purchase, then one update per stage present, event_sequence 1..n', async () => {
    const { events, report } = await importFixture();
    assert.equal(report.orders, 117);
    const byOrder = new Map<string, Event[]>();
    for (const e of events) byOrder.set(e.order.order_id!, [...(byOrder.get(e.order.order_id!) ?? []), e]);
    assert.equal(byOrder.size, 117);
    for (const [orderId, history] of byOrder) {
      assert.deepEqual(
        history.map((e) => e.event_sequence),
        history.map((_, i) => i + 1),
        orderId,
      );
      assert.deepEqual(
        history.map((e) => e.event_type),
        ['order_created', ...Array(history.length - 1).fill('order_updated')],
      );
      assert.deepEqual(
        history.map((e) => e.event_id),
        history.map((_, i) => `olist-${orderId}-${i + 1}`),
      );
      assert.equal(history[0]!.event_time, history[0]!.order.order_purchase_timestamp);
    }
    assert.equal(report.events.order_created, 117);
    assert.equal(report.events.order_created + report.events.order_updated, events.length);
  });

  test('a delivered order: statuses created, approved, shipped, delivered; stage times appear as reached', async () => {
    const history = (await importFixture()).of(1);
    assert.deepEqual(
      history.map((e) => e.order.order_status),
      ['created', 'approved', 'shipped', 'delivered'],
    );
    assert.deepEqual(
      history.map((e) => e.event_time),
      ['2017-10-02T10:56:33-03:00', '2017-10-02T11:07:15-03:00', '2017-10-04T19:55:00-03:00', '2017-10-10T21:25:13-03:00'],
    );
    assert.deepEqual(
      history.map((e) => e.order.order_delivered_carrier_date),
      [null, null, '2017-10-04T19:55:00-03:00', '2017-10-04T19:55:00-03:00'],
    );
    assert.ok(history.every((e) => e.order.order_estimated_delivery_date === '2017-10-18T00:00:00-02:00'));
    assert.equal(history[0]!.items!.length, 1);
    assert.equal(history[0]!.payments!.length, 3);
    assert.ok(
      history.slice(1).every((e) => !e.items && !e.payments && !e.customer),
      'updates carry no lines',
    );
  });

  test("the last event carries the file's final status", async () => {
    const { of } = await importFixture();
    assert.deepEqual(
      of(2).map((e) => e.order.order_status),
      ['created', 'canceled'],
      'canceled after approval',
    );
    assert.deepEqual(
      of(4).map((e) => e.order.order_status),
      ['created'],
      'created, no stage: one event',
    );
    assert.deepEqual(
      of(9).map((e) => e.order.order_status),
      ['created', 'invoiced'],
    );
    assert.deepEqual(
      of(15).map((e) => e.order.order_status),
      ['created', 'approved', 'shipped'],
    );
  });

  test('orders without items or payments are emitted as they are (no items / no payments key)', async () => {
    const { of, report } = await importFixture();
    for (const n of [2, 3, 4]) {
      const [created] = of(n);
      assert.equal(created!.items, undefined, `order ${n} has no items`);
      assert.ok(created!.payments!.length > 0, `order ${n} keeps its payments`);
    }
    assert.equal(of(5)[0]!.payments, undefined);
    assert.ok(of(5)[0]!.items!.length > 0);
    assert.deepEqual(report.quirks, { ordersWithoutItems: 3, ordersWithoutPayments: 1, stageBeforePurchase: 1, stagesOutOfOrder: 2 });
    assert.deepEqual(report.purchaseDates, { first: '2017-10-01', last: '2018-02-23' });
  });

  test('stage times are kept as sent: a carrier scan before purchase, a delivery before its carrier scan; sequence follows the lifecycle', async () => {
    const { of } = await importFixture();
    const six = of(6);
    assert.equal(six[2]!.order.order_status, 'shipped');
    assert.ok(Date.parse(six[2]!.event_time) < Date.parse(six[0]!.event_time), 'carrier event before the purchase');
    const seven = of(7);
    assert.equal(seven.at(-1)!.order.order_status, 'delivered');
    assert.equal(seven.at(-1)!.event_sequence, 4);
    assert.ok(Date.parse(seven[3]!.event_time) < Date.parse(seven[2]!.event_time), 'delivered stamped before shipped');
  });

  test('purchases around local midnight and across both DST changes get the São Paulo offset of their wall-clock time', async () => {
    const { of } = await importFixture();
    const purchase = (n: number) => of(n)[0]!.order.order_purchase_timestamp!;
    assert.equal(purchase(8), '2017-11-24T23:59:30-02:00');
    assert.equal(purchase(9), '2017-11-25T00:00:30-02:00');
    assert.equal(purchase(10), '2017-10-14T23:50:00-03:00');
    assert.equal(of(10)[1]!.order.order_approved_at, '2017-10-15T01:05:00-02:00', 'a time in the gap moves forward');
    assert.equal(purchase(11), '2017-10-15T01:20:00-02:00');
    assert.equal(purchase(12), '2018-02-17T23:30:00-02:00', 'the repeated hour: the earlier instant');
    assert.equal(purchase(13), '2018-02-18T00:15:00-03:00');
    assert.equal(purchase(15), '2018-02-17T22:10:00-02:00');
    // The same UTC date, different local dates: why marts date by the business time zone.
    assert.equal(new Date(purchase(8)).toISOString().slice(0, 10), new Date(purchase(9)).toISOString().slice(0, 10));
  });

  test('money and integers are written exactly as in the CSV text; zip prefixes padded to 5 digits', async () => {
    const { emitted, of } = await importFixture();
    const created = (n: number) => emitted.find((e) => e.eventId === `olist-${order(n)}-1`)!.json;
    assert.match(created(1), /"price":29\.99,"freight_value":8\.72/);
    assert.match(created(1), /"payment_sequential":3,"payment_type":"voucher","payment_installments":1,"payment_value":2\.00\}/);
    assert.match(created(7), /"price":89\.9,"freight_value":12\.5/);
    assert.match(created(3), /"payment_value":120\}/);
    assert.match(created(17), /"payment_installments":0,"payment_value":7\.85\}.*"payment_value":0\}/);
    assert.equal(of(2)[0]!.customer!.customer_zip_code_prefix, '01151');
    assert.equal(of(10)[0]!.customer!.customer_zip_code_prefix, '09790');
    assert.equal(of(1)[0]!.customer!.customer_zip_code_prefix, '14409');
  });

  test('items and payments whose order is missing are reported and skipped', async () => {
    const { report, events } = await importFixture();
    assert.deepEqual(report.orphanItems, { rows: 1, examples: [order(99)] });
    assert.deepEqual(report.orphanPayments, { rows: 1, examples: [order(98)] });
    assert.ok(!events.some((e) => [order(98), order(99)].includes(e.order.order_id!)));
    assert.deepEqual(report.rows, { orders: 117, items: 117, payments: 121, customers: 117 });
  });

  test('a re-import gives the same bytes (same event ids: the workers dedupe)', async () => {
    const first = (await importFixture()).emitted.map((e) => e.json);
    const second = (await importFixture()).emitted.map((e) => e.json);
    assert.deepEqual(second, first);
  });

  test('a value that is not a number stays text for the validator to reject; a missing customer is reported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olist-bad-'));
    await cp(FIXTURE, dir, { recursive: true });
    const items = join(dir, 'olist_order_items_dataset.csv');
    await writeFile(items, (await readFile(items, 'utf8')).replace(',29.99,', ',"29,99",'));
    const customers = join(dir, 'olist_customers_dataset.csv');
    await writeFile(
      customers,
      (await readFile(customers, 'utf8'))
        .split('\n')
        .filter((line) => !line.includes(id('cc', 3)))
        .join('\n'),
    );
    const { emitted, report, of } = await importFixture(dir);
    const json = emitted.find((e) => e.eventId === `olist-${order(1)}-1`)!.json;
    assert.match(json, /"price":"29,99"/);
    const verdict = validateMessage(Buffer.from(json));
    assert.equal(verdict.valid, false);
    assert.deepEqual(report.ordersWithoutCustomer, { rows: 1, examples: [order(3)] });
    assert.equal(of(3)[0]!.customer, undefined);
  });
});

describe('revised contract (needs branch `contract`): the validator accepts every imported event and flags the quirks', () => {
  test('no dead letters; no_items, no_payments and timestamp_before_purchase flagged where the files have them', async () => {
    const { emitted } = await importFixture();
    const flagged = new Map<string, string[]>();
    for (const event of emitted) {
      const verdict = validateMessage(Buffer.from(event.json));
      if (!verdict.valid) assert.fail(`${event.eventId}: ${verdict.errorCode} ${JSON.stringify(verdict.errors)}`);
      if (verdict.flags.length) flagged.set(event.eventId, [...verdict.flags].sort());
    }
    const ev = (n: number, seq: number) => `olist-${order(n)}-${seq}`;
    assert.deepEqual(flagged.get(ev(2, 1)), ['no_items']);
    assert.deepEqual(flagged.get(ev(3, 1)), ['no_items']);
    assert.deepEqual(flagged.get(ev(4, 1)), ['no_items']);
    assert.deepEqual(flagged.get(ev(5, 1)), ['no_payments']);
    assert.deepEqual(flagged.get(ev(6, 3)), ['timestamp_before_purchase']);
    assert.deepEqual(flagged.get(ev(16, 1)), ['payment_mismatch']);
  });
});

describe('dims snapshot from the Kaggle folder', () => {
  test('the four dims files are copied byte for byte', async () => {
    const out = await mkdtemp(join(tmpdir(), 'olist-dims-'));
    const counts = await copyDims(new DirectoryStore(FIXTURE), new DirectoryStore(out));
    assert.deepEqual(counts, { customers: 117, products: 4, sellers: 3, categories: 3 });
    for (const { file } of Object.values(SNAPSHOT_FILES)) assert.deepEqual(await readFile(join(out, file)), await readFile(join(FIXTURE, file)), file);
  });

  test('a dims file with other columns is refused before anything is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olist-dims-bad-'));
    await cp(FIXTURE, dir, { recursive: true });
    await writeFile(join(dir, 'olist_sellers_dataset.csv'), 'seller_id,seller_city\nx,y\n');
    await assert.rejects(copyDims(new DirectoryStore(dir), new DirectoryStore(join(dir, 'out'))), {
      name: 'OperationalError',
      message: /olist_sellers_dataset\.csv: expected columns seller_id,seller_zip_code_prefix/,
    });
  });
});
