import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adapt, protos } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
import { UsageError } from '../../common/errors.ts';
import { loadRawTables } from '../../common/table-schemas.ts';
import { createBigQuerySink } from '../../streaming/sinks/bigquery/bigquery-sink.ts';
import { encodeRow, writerDescriptor } from '../../streaming/sinks/bigquery/row-encoding.ts';
// Not in the package's index; the JSONWriter's encoder, which the sink no longer goes through.
import { JSONEncoder } from '@google-cloud/bigquery-storage/build/src/managedwriter/encoder.js';

const { Label, Type } = protos.google.protobuf.FieldDescriptorProto;
const tables = new Map(loadRawTables().map((t) => [t.name, t]));
const deadLetter = tables.get('dead_letter')!;
const row = () => ({
  message_id: 'm1',
  publish_time: 1_795_168_801_500_000n,
  attributes: [{ key: 'a', value: null }],
  ordering_key: null,
  payload: '{}',
  payload_base64: null,
  event_id: null,
  error_code: 'schema',
  errors: [{ code: 'schema', path: '', message: 'x' }],
  delivery_attempt: 3,
  received_at: 9_007_199_254_740_993n,
});

describe('BigQuery row encoding', () => {
  test('the writer schema is derived from schemas/: every column, REQUIRED/NULLABLE/REPEATED, nested records', () => {
    const descriptor = writerDescriptor(deadLetter.fields);
    assert.deepEqual(
      descriptor.field!.map((f) => f.name),
      deadLetter.fields.map((f) => f.name),
    );
    const field = (name: string) => descriptor.field!.find((f) => f.name === name)!;
    assert.deepEqual(
      ['message_id', 'publish_time', 'errors'].map((name) => field(name).label),
      [Label.LABEL_REQUIRED, Label.LABEL_OPTIONAL, Label.LABEL_REPEATED],
    );
    assert.deepEqual(
      ['received_at', 'delivery_attempt', 'payload'].map((name) => field(name).type),
      [Type.TYPE_INT64, Type.TYPE_INT64, Type.TYPE_STRING],
    );
    assert.deepEqual(
      descriptor.nestedType!.map((t) => t.field!.map((f) => f.name)),
      [
        ['key', 'value'],
        ['code', 'path', 'message'],
      ],
    );
  });

  test('TIMESTAMP bigints become exact int64s (beyond 2^53 too), nulls are left out, nested records converted, serialized as the client would', () => {
    const encoded = encodeRow(deadLetter.fields, row());
    assert.ok(encoded.ok);
    // What goes on the wire, read back with the writer schema (int64s as decimal strings).
    const type = (protobuf.Type as unknown as { fromDescriptor(d: unknown): protobuf.Type }).fromDescriptor(
      adapt.normalizeDescriptor(new protos.google.protobuf.DescriptorProto(writerDescriptor(deadLetter.fields))),
    );
    const values = {
      message_id: 'm1',
      publish_time: '1795168801500000',
      attributes: [{ key: 'a' }],
      payload: '{}',
      error_code: 'schema',
      errors: [{ code: 'schema', path: '', message: 'x' }],
      delivery_attempt: '3',
      received_at: '9007199254740993',
    };
    assert.deepEqual(type.toObject(type.decode(encoded.serialized), { longs: String }), values);
    // The bytes are what the managedwriter's own JSON encoder (the JSONWriter's) makes of those values.
    const library = new JSONEncoder({ protoDescriptor: writerDescriptor(deadLetter.fields) });
    assert.deepEqual(Buffer.from(encoded.serialized), Buffer.from(library.encodeRows([values])[0]!));
  });

  test('long and non-ASCII text, nested records over 127 bytes, negative and 64-bit integers: the same bytes as the client', () => {
    const long = 'é€😀x'.repeat(40);
    const encoded = encodeRow(deadLetter.fields, {
      ...row(),
      message_id: 'ünï',
      publish_time: 2n ** 63n - 1n,
      payload: long,
      errors: [
        { code: 'schema', path: '/a', message: long },
        { code: 'x', path: '', message: '' },
      ],
      delivery_attempt: -7,
      received_at: -(2n ** 63n),
    });
    assert.ok(encoded.ok);
    const library = new JSONEncoder({ protoDescriptor: writerDescriptor(deadLetter.fields) });
    const values = {
      message_id: 'ünï',
      publish_time: '9223372036854775807',
      attributes: [{ key: 'a' }],
      payload: long,
      error_code: 'schema',
      errors: [
        { code: 'schema', path: '/a', message: long },
        { code: 'x', path: '', message: '' },
      ],
      delivery_attempt: '-7',
      received_at: '-9223372036854775808',
    };
    assert.deepEqual(Buffer.from(encoded.serialized), Buffer.from(library.encodeRows([values])[0]!));
  });

  test('what the client would write silently wrong is rejected with a reason', () => {
    const reasons = [
      { ...row(), received_at: null },
      { ...row(), errors: [{ code: 'schema', path: '', message: null }] },
      { ...row(), delivery_attempt: 2.5 },
      { ...row(), attributes: [{ key: 'a', value: 'b', extra: 1 }] },
      { ...row(), errors: 'none' },
      { ...row(), publish_time: 1_795_168_801_500 },
    ].map((r) => {
      const encoded = encodeRow(deadLetter.fields, r as never);
      return encoded.ok ? 'accepted' : encoded.reason;
    });
    assert.deepEqual(reasons, [
      'received_at: REQUIRED column is null',
      'errors[0].message: REQUIRED column is null',
      'delivery_attempt: INTEGER needs a safe integer or bigint, got number',
      'unknown column attributes[0].extra',
      'errors: REPEATED column needs an array, got string',
      'publish_time: TIMESTAMP needs bigint microseconds, got number',
    ]);
  });

  test('NUMERIC accepts only exact decimal strings', () => {
    const items = tables.get('order_items')!;
    const base = {
      order_id: 'o',
      order_item_id: 1,
      product_id: 'p',
      seller_id: 's',
      shipping_limit_date: 1n,
      price: '0.07',
      freight_value: '-12.50',
      event_id: 'e',
      event_type: 't',
      event_time: 1n,
      message_id: 'm',
      publish_time: 1n,
      ingested_at: 1n,
    };
    assert.ok(encodeRow(items.fields, base).ok);
    for (const price of [0.07, '1e3', '12,50', '']) {
      const encoded = encodeRow(items.fields, { ...base, price });
      assert.ok(!encoded.ok && /price: NUMERIC needs a decimal string/.test(encoded.reason), String(price));
    }
  });
});

describe('createBigQuerySink options', () => {
  const bad: [object, RegExp][] = [
    [{ projectId: '' }, /project id "" is not a Google Cloud project id/],
    [{ projectId: 'orderflow-test', dataset: 'raw.x' }, /dataset "raw.x"/],
    [{ projectId: 'orderflow-test', maxAttempts: 0 }, /maxAttempts must be an integer >= 1, got 0/],
    [{ projectId: 'orderflow-test', retryBaseDelayMs: -1 }, /retryBaseDelayMs must be an integer >= 0/],
    [{ projectId: 'orderflow-test', maxRequestBytes: 20_000_000 }, /maxRequestBytes must be at most 10000000/],
    [{ projectId: 'orderflow-test', appendTimeoutMs: 1.5 }, /appendTimeoutMs must be an integer >= 1/],
  ];
  for (const [options, message] of bad) {
    test(`rejects ${JSON.stringify(options)} with one line`, () => {
      assert.throws(
        () => createBigQuerySink(options as never),
        (e: unknown) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'),
      );
    });
  }
});
