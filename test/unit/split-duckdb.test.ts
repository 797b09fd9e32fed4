import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { validateEvent } from '../../common/contract/validate.ts';
import { loadRawTables, type TableSpec } from '../../common/table-schemas.ts';
import { appendRows } from '../../streaming/sinks/duckdb-append.ts';
import { duckdbCreateTable } from '../../common/warehouse/duckdb-ddl.ts';
import type { RawRows } from '../../streaming/rows.ts';
import { CURRENT_VIEWS, currentViewSql } from '../../common/warehouse/views.ts';
import type { InboundMessage } from '../../streaming/pipeline/message.ts';
import { classify } from '../../streaming/pipeline/classify.ts';
import { deadLetter } from '../../streaming/pipeline/dead-letter.ts';
import { split } from '../../streaming/pipeline/split.ts';
import { createdEvent, updatedEvent } from '../fixtures/events.ts';

const tables = new Map(loadRawTables().map((t) => [t.name, t]));
const message = (id: string, publishTime: string, data = Buffer.alloc(0)): InboundMessage => ({
  id,
  data,
  attributes: { event_id: 'evt', source: 'test' },
  publishTime: new Date(publishTime),
  orderingKey: 'a'.repeat(32),
  deliveryAttempt: 2,
});
const NOW = new Date('2026-11-20T12:00:00Z');
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

function splitValid(event: unknown, msg: InboundMessage): RawRows {
  const verdict = validateEvent(event);
  assert.ok(verdict.valid);
  return split(verdict.event, verdict.flags, msg, NOW);
}

describe('split', () => {
  test('one output per table whose rows have exactly the schema columns', () => {
    const rows = splitValid(createdEvent(), message('m1', '2026-11-20T10:00:01Z'));
    assert.deepEqual(Object.keys(rows).sort(), ['dead_letter', 'order_items', 'order_payments', 'orders']);
    assert.deepEqual([rows.orders.length, rows.order_items.length, rows.order_payments.length, rows.dead_letter.length], [1, 2, 1, 0]);
    for (const name of ['orders', 'order_items', 'order_payments'] as const) {
      for (const row of rows[name])
        assert.deepEqual(
          Object.keys(row).sort(),
          tables
            .get(name)!
            .fields.map((f) => f.name)
            .sort(),
          name,
        );
    }
  });
  test('money as exact 2-decimal strings, timestamps as microseconds, metadata on every row', () => {
    const rows = splitValid(createdEvent(), message('m1', '2026-11-20T10:00:01.5Z'));
    assert.deepEqual(
      rows.order_items.map((r) => [r.price, r.freight_value]),
      [
        ['59.90', '15.10'],
        ['0.07', '0.00'],
      ],
    );
    assert.equal(rows.orders[0]!.order_purchase_timestamp, micros('2026-11-20T10:00:00Z'));
    assert.equal(rows.orders[0]!.order_approved_at, null);
    assert.equal(rows.order_payments[0]!.publish_time, micros('2026-11-20T10:00:01Z') + 500_000n);
    assert.equal(rows.order_items[1]!.ingested_at, BigInt(NOW.getTime()) * 1000n);
    assert.ok([...rows.orders, ...rows.order_items, ...rows.order_payments].every((r) => r.event_id === 'evt-0001' && r.message_id === 'm1'));
  });
  test('an update without lines yields only an orders row; customer columns null', () => {
    const rows = splitValid(updatedEvent(), message('m2', '2026-11-20T10:30:01Z'));
    assert.deepEqual([rows.orders.length, rows.order_items.length, rows.order_payments.length], [1, 0, 0]);
    assert.equal(rows.orders[0]!.customer_state, null);
  });
  test('payment_mismatch flag lands on the orders row', () => {
    const event = createdEvent();
    event.payments![0].payment_value = 1;
    assert.equal(splitValid(event, message('m3', '2026-11-20T10:00:01Z')).orders[0]!.payment_mismatch, true);
  });
  test('no_items, no_payments and timestamp_before_purchase land on the orders row; the data is kept', () => {
    const event = createdEvent();
    delete event.items;
    delete event.payments;
    event.order.order_delivered_carrier_date = '2026-11-20T09:00:00Z';
    const rows = splitValid(event, message('m5', '2026-11-20T10:00:01Z'));
    const order = rows.orders[0]!;
    assert.deepEqual([order.no_items, order.no_payments, order.timestamp_before_purchase, order.payment_mismatch], [true, true, true, false]);
    assert.equal(order.order_delivered_carrier_date, micros('2026-11-20T09:00:00Z'));
    assert.deepEqual([rows.order_items.length, rows.order_payments.length], [0, 0]);
  });
  test('event_sequence on every row, null when the producer does not number events', () => {
    const numbered = splitValid({ ...createdEvent(), event_sequence: 3 }, message('m6', '2026-11-20T10:00:01Z'));
    assert.ok([...numbered.orders, ...numbered.order_items, ...numbered.order_payments].every((r) => r.event_sequence === 3));
    assert.equal(splitValid(createdEvent(), message('m7', '2026-11-20T10:00:01Z')).orders[0]!.event_sequence, null);
  });
  test('dead letter keeps the payload, base64 when not UTF-8, attributes and every reason', () => {
    const bad = Buffer.from([0xff, 0x41]);
    const row = deadLetter(message('m4', '2026-11-20T10:00:01Z', bad), 'not_utf8', [{ code: 'not_utf8', path: '', message: 'x' }], NOW);
    assert.equal(row.payload, null);
    assert.equal(Buffer.from(row.payload_base64 as string, 'base64').equals(bad), true);
    assert.deepEqual(row.attributes, [
      { key: 'event_id', value: 'evt' },
      { key: 'source', value: 'test' },
    ]);
    assert.equal(row.delivery_attempt, 2);
    const text = deadLetter(message('m5', '2026-11-20T10:00:01Z', Buffer.from('{"a":1}')), 'schema', [], NOW, 'e1');
    assert.deepEqual([text.payload, text.payload_base64, text.event_id], ['{"a":1}', null, 'e1']);
    assert.deepEqual(
      Object.keys(row).sort(),
      tables
        .get('dead_letter')!
        .fields.map((f) => f.name)
        .sort(),
    );
  });
});

describe('DuckDB tables and *_current views from schemas/', () => {
  let db: DuckDBConnection;
  const rowsOf = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJS();
  before(async () => {
    db = await (await DuckDBInstance.create(':memory:')).connect();
    for (const table of tables.values()) for (const sql of duckdbCreateTable(table)) await db.run(sql);
    for (const view of CURRENT_VIEWS) await db.run(`CREATE OR REPLACE VIEW raw.${view} AS ${currentViewSql(view, { engine: 'duckdb', dataset: 'raw' })}`);
  });
  const write = async (rows: RawRows) => {
    for (const [name, list] of Object.entries(rows)) await appendRows(db, tables.get(name) as TableSpec, list);
  };

  test('appended rows read back exactly (decimals, timestamps, nested dead-letter fields)', async () => {
    await write(splitValid(createdEvent(), message('m1', '2026-11-20T10:00:01Z')));
    const items = await rowsOf(
      `SELECT order_item_id, CAST(price AS VARCHAR) AS price, CAST(freight_value AS VARCHAR) AS freight, CAST(shipping_limit_date AS VARCHAR) AS s FROM raw.order_items ORDER BY 1`,
    );
    assert.deepEqual(items, [
      { order_item_id: 1n, price: '59.90', freight: '15.10', s: '2026-11-26 10:00:00' },
      { order_item_id: 2n, price: '0.07', freight: '0.00', s: '2026-11-26 10:00:00' },
    ]);
    const dl = deadLetter(
      message('m9', '2026-11-20T10:00:01Z', Buffer.from('[1]')),
      'not_object',
      [{ code: 'not_object', path: '', message: 'got an array' }],
      NOW,
    );
    await appendRows(db, tables.get('dead_letter')!, [dl]);
    assert.deepEqual(await rowsOf(`SELECT payload, errors[1].code AS code, attributes[2].value AS source, delivery_attempt FROM raw.dead_letter`), [
      { payload: '[1]', code: 'not_object', source: 'test', delivery_attempt: 2n },
    ]);
  });

  test("the worker's rows get ingested_at from the write transaction, not from when the message arrived; dead letters keep received_at (issue 16)", async () => {
    const receivedAt = new Date(Date.now() - 60_000);
    const valid = classify(message('m-late', '2026-11-20T10:00:01Z', Buffer.from(JSON.stringify(createdEvent()))), receivedAt);
    assert.equal(valid.kind, 'valid');
    assert.ok(
      [...valid.rows.orders, ...valid.rows.order_items, ...valid.rows.order_payments].every((r) => r.ingested_at === null),
      'left for the sink to stamp',
    );
    const invalid = classify(message('m-bad', '2026-11-20T10:00:01Z', Buffer.from('[1]')), receivedAt);
    assert.equal(invalid.rows.dead_letter[0]!.received_at, BigInt(receivedAt.getTime()) * 1000n);

    await db.run("SET TimeZone = 'America/Sao_Paulo'");
    const begun = BigInt(Date.now()) * 1000n;
    await db.run('BEGIN TRANSACTION');
    await write(valid.rows);
    await db.run('COMMIT');
    const committed = BigInt(Date.now()) * 1000n;
    const stamps = await rowsOf(`SELECT epoch_us(ingested_at) AS at FROM raw.orders WHERE message_id = 'm-late'
      UNION ALL SELECT epoch_us(ingested_at) FROM raw.order_items WHERE message_id = 'm-late' UNION ALL SELECT epoch_us(ingested_at) FROM raw.order_payments WHERE message_id = 'm-late'`);
    assert.equal(stamps.length, 4);
    for (const { at } of stamps)
      assert.ok((at as bigint) >= begun && (at as bigint) <= committed, `${String(at)} within the write (${begun}..${committed}), in UTC`);

    await write({ ...splitValid(createdEvent(), message('m-given', '2026-11-20T10:00:01Z')), order_items: [], order_payments: [] });
    assert.deepEqual(
      await rowsOf(`SELECT epoch_us(ingested_at) AS at FROM raw.orders WHERE message_id = 'm-given'`),
      [{ at: BigInt(NOW.getTime()) * 1000n }],
      'a given ingested_at is kept',
    );
    await db.run('RESET TimeZone');
    for (const table of ['orders', 'order_items', 'order_payments']) await db.run(`DELETE FROM raw.${table} WHERE message_id IN ('m-late', 'm-given')`);
  });

  test('views keep the latest event per key and replace items/payments as a set, whatever the arrival order', async () => {
    // A later update arrives first, then the creation twice (a redelivery), then an update that drops item 2.
    const update = updatedEvent();
    const drop = { ...createdEvent(), event_id: 'evt-0003', event_type: 'order_updated', event_time: '2026-11-20T11:00:00Z' } as ReturnType<
      typeof createdEvent
    >;
    drop.items = [drop.items![0]];
    drop.payments = [{ ...drop.payments![0], payment_value: 75 }];
    delete drop.customer;
    await write(splitValid(update, message('m2', '2026-11-20T10:30:01Z')));
    await write(splitValid(createdEvent(), message('m1b', '2026-11-20T10:40:00Z')));
    assert.deepEqual(await rowsOf(`SELECT event_id, order_status FROM raw.orders_current`), [{ event_id: 'evt-0002', order_status: 'approved' }]);
    assert.equal((await rowsOf(`SELECT * FROM raw.order_items_current`)).length, 2, 'duplicated creation still gives one row per item');
    await write(splitValid(drop, message('m3', '2026-11-20T11:00:01Z')));
    assert.deepEqual(await rowsOf(`SELECT order_item_id, event_id FROM raw.order_items_current`), [{ order_item_id: 1n, event_id: 'evt-0003' }]);
    assert.deepEqual(await rowsOf(`SELECT CAST(payment_value AS VARCHAR) AS v FROM raw.order_payments_current`), [{ v: '75.00' }]);
    assert.deepEqual(await rowsOf(`SELECT event_id FROM raw.orders_current`), [{ event_id: 'evt-0003' }]);
  });

  test('event_sequence decides "latest" before event_time (a delivery stamped before its carrier scan)', async () => {
    const order = { ...createdEvent().order, order_id: '1'.repeat(32) };
    const created = { ...createdEvent(), event_id: 'seq-1', event_sequence: 1, order };
    const shipped = {
      ...updatedEvent(),
      event_id: 'seq-2',
      event_sequence: 2,
      event_time: '2026-11-23T12:00:00Z',
      order: { ...order, order_status: 'shipped' },
    };
    // The delivery's stage timestamp (and event_time) is earlier than the carrier scan's, but it is the 3rd event.
    const delivered = {
      ...updatedEvent(),
      event_id: 'seq-3',
      event_sequence: 3,
      event_time: '2026-11-23T11:00:00Z',
      order: { ...order, order_status: 'delivered' },
    };
    for (const [event, id] of [
      [created, 'n1'],
      [delivered, 'n3'],
      [shipped, 'n2'],
    ] as const)
      await write(splitValid(event, message(id, '2026-11-23T13:00:00Z')));
    assert.deepEqual(await rowsOf(`SELECT event_id, order_status, event_sequence FROM raw.orders_current WHERE order_id = '${order.order_id}'`), [
      { event_id: 'seq-3', order_status: 'delivered', event_sequence: 3n },
    ]);
    // Unnumbered events count as 0: a numbered one wins over them whatever their times.
    const unnumbered = { ...updatedEvent(), event_id: 'seq-none', event_time: '2026-11-30T00:00:00Z', order: { ...order, order_status: 'canceled' } };
    await write(splitValid(unnumbered, message('n4', '2026-11-30T00:00:01Z')));
    assert.deepEqual(await rowsOf(`SELECT event_id FROM raw.orders_current WHERE order_id = '${order.order_id}'`), [{ event_id: 'seq-3' }]);
  });
});
