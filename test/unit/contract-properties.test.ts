import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { EARLIEST_MICROS, LATEST_MICROS } from '../../common/contract/timestamp.ts';
import { validateMessage } from '../../common/contract/validate.ts';
import { loadRawTables } from '../../common/table-schemas.ts';
import { appendRows } from '../../streaming/sinks/duckdb-append.ts';
import { duckdbCreateTable } from '../../common/warehouse/duckdb-ddl.ts';
import type { RawRows } from '../../streaming/rows.ts';
import { split } from '../../streaming/pipeline/split.ts';
import { adapt, protos } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
import { encodeRow, writerDescriptor } from '../../streaming/sinks/bigquery/row-encoding.ts';
import { createdEvent } from '../fixtures/events.ts';

// Property tests of issue 15 item 1: messages built from generated timestamps, offsets, money
// texts and strings (lone surrogates, control characters). Each generator knows the value it
// meant (an instant, an amount in cents) and whether the contract accepts its form, so a verdict
// is checked against an expectation computed independently of the validator.

const tables = new Map(loadRawTables().map((t) => [t.name, t]));
const itemType = (protobuf.Type as unknown as { fromDescriptor(d: unknown): protobuf.Type }).fromDescriptor(
  adapt.normalizeDescriptor(new protos.google.protobuf.DescriptorProto(writerDescriptor(tables.get('order_items')!.fields))),
);
const DAY_MICROS = 86_400_000_000;

interface Timestamp {
  text: string;
  micros: number;
  valid: boolean;
}
interface Money {
  text: string;
  cents: number;
  valid: boolean;
}

const two = (n: number) => String(n).padStart(2, '0');

/** A timestamp text for a known instant: any offset, 0-10 fraction digits, around the accepted range; or a malformed variant. */
const timestamp: fc.Arbitrary<Timestamp> = fc
  .record({
    // Mostly well inside the range; often within two days of either end.
    micros: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: EARLIEST_MICROS, max: LATEST_MICROS }) },
      { weight: 1, arbitrary: fc.integer({ min: EARLIEST_MICROS - 2 * DAY_MICROS, max: EARLIEST_MICROS + 2 * DAY_MICROS }) },
      { weight: 1, arbitrary: fc.integer({ min: LATEST_MICROS - 2 * DAY_MICROS, max: LATEST_MICROS + 2 * DAY_MICROS }) },
    ),
    offset: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
    digits: fc.oneof({ weight: 15, arbitrary: fc.integer({ min: 0, max: 9 }) }, { weight: 1, arbitrary: fc.constant(10) }),
    extra: fc.integer({ min: 0, max: 999 }),
    lower: fc.boolean(),
    broken: fc.oneof(
      { weight: 15, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('hour-offset', 'compact-offset', 'no-offset', 'space', 'leap-second') },
    ),
  })
  .map(({ micros, offset, digits, extra, lower, broken }) => {
    const local = new Date(Math.floor(micros / 1000) + offset * 60_000);
    const wholeSecondMicros = micros - (((micros % 1_000_000) + 1_000_000) % 1_000_000);
    const sub = micros - wholeSecondMicros;
    const fraction = digits === 0 ? '' : `.${(String(sub).padStart(6, '0') + String(extra).padStart(3, '0') + '0').slice(0, digits)}`;
    // What the text means: the fraction's first 6 digits, the rest truncated.
    const kept = digits === 0 ? 0 : Math.floor(sub / 10 ** (6 - Math.min(digits, 6))) * 10 ** (6 - Math.min(digits, 6));
    const sign = offset < 0 ? '-' : '+';
    const zone = offset === 0 && !broken ? (lower ? 'z' : 'Z') : `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
    const date = `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}`;
    const time = `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${broken === 'leap-second' ? '60' : two(local.getUTCSeconds())}`;
    const instant = wholeSecondMicros + kept;
    let text = `${date}${lower ? 't' : 'T'}${time}${fraction}${zone}`;
    if (broken === 'hour-offset') text = `${date}T${time}${fraction}${sign}${two(Math.floor(Math.abs(offset) / 60))}`;
    if (broken === 'compact-offset') text = `${date}T${time}${fraction}${sign}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
    if (broken === 'no-offset') text = `${date}T${time}${fraction}`;
    if (broken === 'space') text = `${date} ${time}${fraction}Z`;
    const valid = !broken && digits <= 9 && local.getUTCFullYear() >= 1000 && instant >= EARLIEST_MICROS && instant <= LATEST_MICROS;
    return { text, micros: instant, valid };
  });

/** A money text for a known amount in cents, in the forms the contract accepts or refuses. */
const money: fc.Arbitrary<Money> = fc
  .record({
    cents: fc.oneof(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 10_000 })),
    form: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('2dp', 'short') },
      { weight: 1, arbitrary: fc.constantFrom('three', 'exponent', 'tiny', 'float-noise') },
    ),
  })
  .map(({ cents, form }) => {
    const units = Math.floor(cents / 100);
    const rest = two(cents % 100);
    const inBounds = cents <= 1_000_000_000;
    switch (form) {
      case '2dp':
        return { text: `${units}.${rest}`, cents, valid: inBounds };
      case 'short':
        return { text: rest === '00' ? `${units}` : rest.endsWith('0') ? `${units}.${rest[0]}` : `${units}.${rest}`, cents, valid: inBounds };
      case 'three':
        return { text: `${units}.${rest}0`, cents, valid: false };
      case 'exponent':
        return { text: `${cents}e-2`, cents, valid: false };
      case 'tiny':
        return { text: '1e-9', cents: 0, valid: false };
      default:
        return { text: `${units}.${rest}000000000001`, cents, valid: false };
    }
  });

/** Strings as UTF-16 code units: lone surrogates, control characters, pairs, plain text. */
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 30 }).map((units) => String.fromCharCode(...units)) },
  { weight: 1, arbitrary: fc.constantFrom('bras\ud83dlia', 'sao paulo', 'a\u0000b', '\t\n', '\ud83d\ude00') },
);
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
const codePoints = (s: string) => [...s].length;

const event = fc.record({ eventTime: timestamp, purchase: timestamp, price: money, freight: money, payment: money, city: text });
type Generated = fc.Arbitrary<typeof event extends fc.Arbitrary<infer T> ? T : never> extends fc.Arbitrary<infer U> ? U : never;

/** The message text: the fixture event with the generated values, money spliced in as written. */
function messageOf(g: Generated): Buffer {
  const base = createdEvent();
  base.items = [base.items![0]];
  base.event_time = g.eventTime.text;
  base.order.order_purchase_timestamp = g.purchase.text;
  base.customer!.customer_city = g.city;
  const json = JSON.stringify({
    ...base,
    items: [{ ...base.items[0], price: '@PRICE@', freight_value: '@FREIGHT@' }],
    payments: [{ ...base.payments![0], payment_value: '@PAYMENT@' }],
  });
  return Buffer.from(json.replace('"@PRICE@"', g.price.text).replace('"@FREIGHT@"', g.freight.text).replace('"@PAYMENT@"', g.payment.text));
}

/** Which fields the contract refuses for the generated values (paths), computed without the validator. */
function expectedRefusals(g: Generated): string[] {
  const paths: string[] = [];
  if (!g.eventTime.valid) paths.push('/event_time');
  if (!g.purchase.valid) paths.push('/order/order_purchase_timestamp');
  if (!g.price.valid || g.price.cents === 0) paths.push('/items/0/price');
  if (!g.freight.valid) paths.push('/items/0/freight_value');
  if (!g.payment.valid) paths.push('/payments/0/payment_value');
  if (!wellFormed(g.city) || codePoints(g.city) > 100) paths.push('/customer/customer_city');
  return paths.sort();
}

describe("property: validate -> split -> both sinks' encoders", () => {
  let db: DuckDBConnection;
  before(async () => {
    db = await (await DuckDBInstance.create(':memory:')).connect();
    for (const table of tables.values()) for (const sql of duckdbCreateTable(table)) await db.run(sql);
  });
  after(() => db.closeSync());

  test('every accepted message splits, encodes for BigQuery and DuckDB and reads back as the values generated; every rejected one lists its reasons', async () => {
    let accepted = 0;
    let rejected = 0;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(event, async (g) => {
        const data = messageOf(g);
        const verdict = validateMessage(data);
        const refusals = expectedRefusals(g);
        if (!verdict.valid) {
          rejected += 1;
          assert.ok(verdict.errors.length > 0 && verdict.errors.every((e) => e.code && e.message), 'a rejection lists its reasons');
          assert.equal(verdict.errorCode, verdict.errors[0]!.code);
          assert.deepEqual([...new Set(verdict.errors.map((e) => e.path))].sort(), refusals, JSON.stringify(verdict.errors));
          return;
        }
        accepted += 1;
        assert.deepEqual(refusals, [], `accepted although ${refusals.join(', ')} should be refused`);
        const id = `p${n++}`;
        const rows: RawRows = split(
          verdict.event,
          verdict.flags,
          { id, data, attributes: {}, publishTime: new Date('2026-11-20T10:00:00Z') },
          new Date('2026-11-20T10:00:01Z'),
        );
        // BigQuery: every row converts for the Storage Write API with the values intact.
        for (const table of ['orders', 'order_items', 'order_payments'] as const) {
          for (const row of rows[table]) {
            const encoded = encodeRow(tables.get(table)!.fields, row);
            assert.ok(encoded.ok, encoded.ok ? '' : encoded.reason);
          }
        }
        const bqItem = encodeRow(tables.get('order_items')!.fields, rows.order_items[0]!);
        assert.ok(bqItem.ok);
        // What goes on the wire, read back with the writer schema.
        const wire = itemType.toObject(itemType.decode(bqItem.serialized), { longs: String }) as Record<string, unknown>;
        assert.equal(wire.event_time, String(g.eventTime.micros));
        assert.equal(wire.price, (g.price.cents / 100).toFixed(2));
        // DuckDB: written and read back.
        for (const table of ['orders', 'order_items', 'order_payments'] as const) await appendRows(db, tables.get(table)!, rows[table]);
        const [order] = (
          await db.runAndReadAll(
            `SELECT epoch_us(event_time) AS t, epoch_us(order_purchase_timestamp) AS p, customer_city FROM raw.orders WHERE message_id = '${id}'`,
          )
        ).getRowObjectsJS();
        const [item] = (
          await db.runAndReadAll(
            `SELECT CAST(price AS VARCHAR) AS price, CAST(freight_value AS VARCHAR) AS freight FROM raw.order_items WHERE message_id = '${id}'`,
          )
        ).getRowObjectsJS();
        const [payment] = (
          await db.runAndReadAll(`SELECT CAST(payment_value AS VARCHAR) AS v FROM raw.order_payments WHERE message_id = '${id}'`)
        ).getRowObjectsJS();
        assert.deepEqual(
          [order!.t, order!.p, order!.customer_city, item!.price, item!.freight, payment!.v],
          [
            BigInt(g.eventTime.micros),
            BigInt(g.purchase.micros),
            g.city,
            (g.price.cents / 100).toFixed(2),
            (g.freight.cents / 100).toFixed(2),
            (g.payment.cents / 100).toFixed(2),
          ],
        );
      }),
      { numRuns: 300, seed: 20261130 },
    );
    // The generators reach both sides.
    assert.ok(accepted > 10 && rejected > 10, `${accepted} accepted, ${rejected} rejected`);
  });

  test("timestamps alone: accepted exactly when the form is the contract's and the instant is in range, as that instant", () => {
    fc.assert(
      fc.property(timestamp, (t) => {
        const base = createdEvent();
        base.event_time = t.text;
        const verdict = validateMessage(Buffer.from(JSON.stringify(base)));
        assert.equal(verdict.valid, t.valid, `${t.text}: ${verdict.valid ? 'accepted' : JSON.stringify(verdict.errors)}`);
        if (verdict.valid) assert.equal(verdict.event.event_time, BigInt(t.micros));
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
