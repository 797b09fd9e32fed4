import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { OperationalError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { loadRawTables, type Field } from '../../common/table-schemas.ts';
import { timestampMicros as toMicros } from '../../common/contract/timestamp.ts';
import { emptyRawRows, type RawRows, type Row } from '../../streaming/rows.ts';
import { createBigQuerySink, type BigQuerySink, type BigQuerySinkOptions } from '../../streaming/sinks/bigquery/bigquery-sink.ts';
import { BigQueryWriteError } from '../../streaming/sinks/bigquery/table-writer.ts';
import { WriteRefusedError } from '../../streaming/sinks/sink.ts';
import { BigQueryWriteStandIn, type Answer } from '../helpers/bigquery-write-standin.ts';
import { fullBatch } from '../fixtures/raw-rows.ts';

// The real managedwriter client, over real gRPC, against a local BigQueryWrite stand-in.
const tables = new Map(loadRawTables().map((t) => [t.name, t]));
/** What BigQuery should hold for a row, by the schema's types: what the wire must carry. */
function onTheWire(fields: Field[], row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = row[field.name];
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (field.mode === 'REPEATED') out[field.name] = (value as Record<string, unknown>[]).map((item) => onTheWire(field.fields!, item));
    else if (field.type === 'INTEGER') out[field.name] = BigInt(value as number);
    else out[field.name] = value;
  }
  return out;
}

let standIn: BigQueryWriteStandIn;
let sink: BigQuerySink;
let logs: Record<string, unknown>[];

function openSink(options: Partial<BigQuerySinkOptions> = {}): BigQuerySink {
  logs = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  // sslCreds (insecure) replaces Google auth on the channel; universeDomain spares google-gax the
  // credentials lookup (which would probe the GCE metadata server) it makes to check the domain.
  sink = createBigQuerySink({
    projectId: 'orderflow-test',
    retryBaseDelayMs: 1,
    logger: createLogger({ destination }),
    clientOptions: { servicePath: '127.0.0.1', port: standIn.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' },
    ...options,
  });
  return sink;
}
const script =
  (...answers: Answer[]) =>
  (_: unknown, n: number): Answer =>
    answers[n - 1] ?? { kind: 'ok' };

beforeEach(async () => {
  standIn = await new BigQueryWriteStandIn().start();
  openSink();
});
afterEach(async () => {
  await sink.close();
  await standIn.stop();
});

describe('BigQuery sink on the wire', () => {
  test('every column of every raw table arrives with its BigQuery type (NUMERIC strings, TIMESTAMP micros, REPEATED RECORD, nulls)', async () => {
    const batch = fullBatch();
    assert.deepEqual(await sink.write(batch), { rejected: [] });
    assert.deepEqual(standIn.decodeErrors, []);
    for (const [name, rows] of Object.entries(batch)) {
      const spec = tables.get(name)!;
      assert.deepEqual(
        standIn.rows(name),
        rows.map((row: Row) => onTheWire(spec.fields, row)),
        name,
      );
      const request = standIn.requests.find((r) => r.table === name)!;
      assert.deepEqual(
        request.columns,
        spec.fields.map((f) => f.name),
        `${name}: writer schema from schemas/`,
      );
      assert.equal(request.writeStream, `projects/orderflow-test/datasets/raw/tables/${name}/streams/_default`);
      assert.equal(request.routingHeader, `write_stream=${request.writeStream}`);
    }
    // Spot checks against literal values, independent of the helper above.
    const [item1, item2] = standIn.rows('order_items');
    assert.deepEqual([item1!.price, item1!.freight_value, item2!.price, item2!.freight_value], ['59.90', '15.10', '0.07', '0.00']);
    assert.equal(item1!.event_time, toMicros('2026-11-20T10:00:00Z') + 123_456n);
    assert.equal(item1!.ingested_at, 1_795_176_000_250_000n);
    assert.equal(item1!.order_item_id, 1n);
    const [created, updated] = standIn.rows('orders');
    assert.equal(created!.payment_mismatch, false);
    assert.equal(created!.customer_zip_code_prefix, '01310');
    assert.ok(!('order_approved_at' in created!) && !('customer_state' in updated!), 'nulls travel as absent optional fields');
    assert.equal(updated!.order_approved_at, toMicros('2026-11-20T10:20:00Z'));
    const [text, binary] = standIn.rows('dead_letter');
    assert.deepEqual(text!.attributes, [
      { key: 'event_id', value: 'evt' },
      { key: 'source', value: 'test' },
    ]);
    assert.deepEqual(text!.errors, [
      { code: 'schema', path: '/order', message: 'required' },
      { code: 'rule:duplicate_order_item_id', path: '/items/1/order_item_id', message: 'repeats 1' },
    ]);
    assert.deepEqual([text!.payload, text!.delivery_attempt, text!.event_id], ['{"x":1}', 2n, 'evt-9']);
    assert.deepEqual(binary, {
      message_id: 'm4',
      publish_time: 1_795_168_801_500_000n,
      payload_base64: '/w==',
      payload_bytes: 1n,
      payload_sha256: 'a8100ae6aa1940d0b663bb31cd466142ebbdbd5187131b92d93818987832eb89',
      payload_truncated: false,
      error_code: 'not_utf8',
      errors: [{ code: 'not_utf8', path: '', message: 'not UTF-8' }],
      received_at: 1_795_176_000_250_000n,
    });
  });

  test('rows BigQuery names in rowErrors come back as rejected with the reason; the rest are appended once', async () => {
    standIn.respond(script({ kind: 'rowErrors', errors: [{ index: 1, message: 'price: out of range for NUMERIC(12,2)' }] }));
    const rows = fullBatch().order_items;
    rows.push({ ...rows[0]!, order_item_id: 3 });
    const result = await sink.write({ ...emptyRawRows(), order_items: rows });
    assert.deepEqual(result.rejected, [{ table: 'order_items', index: 1, reason: 'bigquery: price: out of range for NUMERIC(12,2)' }]);
    assert.deepEqual(
      standIn.rows('order_items').map((r) => r.order_item_id),
      [1n, 3n],
    );
    assert.deepEqual(
      standIn.requests.map((r) => r.rows.length),
      [3, 2],
      'the request is resent without the bad row',
    );
  });

  test('rows that break the schema are rejected before sending, never written as zero values', async () => {
    const [good] = fullBatch().order_items;
    const bad: Row[] = [
      { ...good!, price: 59.9 },
      { ...good!, shipping_limit_date: null },
      { ...good!, event_time: '2026-11-20T10:00:00Z' },
      { ...good!, colour: 'red' },
    ];
    const result = await sink.write({ ...emptyRawRows(), order_items: [good!, ...bad] });
    assert.deepEqual(
      result.rejected.map((r) => [r.index, r.reason]),
      [
        [1, 'schema: price: NUMERIC needs a decimal string, got number'],
        [2, 'schema: shipping_limit_date: REQUIRED column is null'],
        [3, 'schema: event_time: TIMESTAMP needs bigint microseconds, got string'],
        [4, 'schema: unknown column colour'],
      ],
    );
    assert.equal(standIn.rows('order_items').length, 1);
  });

  test('a connection dropped before commit is retried on a new stream; nothing lost, nothing doubled', async () => {
    standIn.respond(script({ kind: 'drop', committed: false }));
    const batch = fullBatch();
    await sink.write({ ...emptyRawRows(), orders: batch.orders });
    assert.deepEqual(
      standIn.rows('orders').map((r) => r.event_id),
      ['evt-0001', 'evt-0002'],
    );
    assert.equal(standIn.streamsOpened, 2);
    assert.ok(
      logs.some((l) => l.severity === 'WARNING' && l.code === 14 && l.table === 'orders'),
      'the connection error listener logged it',
    );
  });

  test('a transport loss (the server goes away mid-append and comes back) is retried until the rows land', async () => {
    await sink.close();
    openSink({ maxAttempts: 8, retryBaseDelayMs: 100 });
    await sink.write({ ...emptyRawRows(), orders: fullBatch().orders });
    let restarted: Promise<void> | undefined;
    standIn.respond((_, n) => {
      if (n === 2) restarted = standIn.restart();
      return n === 2 ? { kind: 'silent' } : { kind: 'ok' };
    });
    await sink.write({ ...emptyRawRows(), orders: fullBatch().orders });
    await restarted;
    assert.equal(standIn.rows('orders').length, 4);
    assert.ok(standIn.requests.length >= 3 && standIn.streamsOpened >= 2, 'the lost append was sent again on a new connection');
  });

  test('rows without ingested_at are stamped as each append is sent: a retried append carries its own, later time (issue 16)', async () => {
    await sink.close();
    openSink({ retryBaseDelayMs: 200 });
    standIn.respond(script({ kind: 'error', code: grpc.status.UNAVAILABLE, message: 'try again' }));
    const orders = fullBatch().orders.map((row) => ({ ...row, ingested_at: null }));
    const before = BigInt(Date.now()) * 1000n;
    await sink.write({ ...emptyRawRows(), orders });
    const after = BigInt(Date.now()) * 1000n;
    const [refused, accepted] = standIn.requests.filter((r) => r.table === 'orders');
    const stamps = (request: typeof refused) => request!.rows.map((r) => r.ingested_at as bigint);
    assert.equal(new Set(stamps(accepted)).size, 1, 'one append, one write time');
    assert.ok(stamps(refused)[0]! >= before && stamps(accepted)[0]! <= after, 'stamped during write()');
    assert.ok(stamps(accepted)[0]! - stamps(refused)[0]! >= 100_000n, 'the retry (backoff >= 100 ms) was restamped');
    assert.deepEqual(
      standIn.rows('orders').map((r) => r.ingested_at),
      stamps(accepted),
    );
  });

  test('an answer lost after commit is retried: rows at least once (the read side dedupes)', async () => {
    standIn.respond(script({ kind: 'drop', committed: true }));
    await sink.write({ ...emptyRawRows(), orders: fullBatch().orders });
    assert.deepEqual(
      standIn.rows('orders').map((r) => r.event_id),
      ['evt-0001', 'evt-0002', 'evt-0001', 'evt-0002'],
    );
  });

  test('under random drops every write either resolves with all its rows appended or throws', async () => {
    await sink.close();
    openSink({ maxAttempts: 2 });
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    standIn.respond(() => (random() < 0.4 ? { kind: 'drop', committed: random() < 0.5 } : { kind: 'ok' }));
    const outcomes = { resolved: 0, threw: 0 };
    for (let i = 0; i < 40; i++) {
      const batch = fullBatch();
      for (const rows of Object.values(batch)) for (const row of rows as Row[]) row.message_id = `batch-${i}`;
      try {
        await sink.write(batch);
        outcomes.resolved += 1;
        for (const name of Object.keys(batch)) {
          const held = standIn.rows(name).filter((r) => r.message_id === `batch-${i}`).length;
          assert.ok(held >= batch[name as keyof RawRows].length, `batch ${i}: ${name} holds ${held} rows`);
        }
      } catch (error) {
        assert.ok(error instanceof BigQueryWriteError && error.transient, String(error));
        outcomes.threw += 1;
      }
    }
    assert.ok(outcomes.resolved > 0 && outcomes.threw > 0, `both outcomes exercised: ${JSON.stringify(outcomes)}`);
  });

  test('a connection that stays down makes write() throw a transient error after the bounded attempts', async () => {
    standIn.respond(() => ({ kind: 'drop', committed: false }));
    await assert.rejects(
      sink.write({ ...emptyRawRows(), orders: fullBatch().orders }),
      (error: unknown) => error instanceof BigQueryWriteError && error.transient && /after 4 attempt/.test(error.message),
    );
    assert.equal(standIn.requests.length, 4);
  });

  test('an error retrying cannot fix (table not found) throws at once, not transient', async () => {
    standIn.respond(() => ({ kind: 'error', code: grpc.status.NOT_FOUND, message: 'Table raw.orders not found' }));
    await assert.rejects(
      sink.write({ ...emptyRawRows(), orders: fullBatch().orders }),
      (error: unknown) => error instanceof BigQueryWriteError && !error.transient && error.code === grpc.status.NOT_FOUND && /not found/.test(error.message),
    );
    assert.equal(standIn.requests.length, 1);
  });

  test('an append left unanswered times out and is retried on a new stream', async () => {
    await sink.close();
    openSink({ appendTimeoutMs: 150 });
    standIn.respond(script({ kind: 'silent' }));
    await sink.write({ ...emptyRawRows(), orders: fullBatch().orders });
    assert.equal(standIn.rows('orders').length, 2);
    assert.equal(standIn.streamsOpened, 2);
  });

  test('one long-lived client: one stream per table across batches, reopened after an idle close', async () => {
    for (let i = 0; i < 5; i++) await sink.write(fullBatch());
    assert.equal(standIn.streamsOpened, 4);
    assert.equal(standIn.requests.length, 20);
    standIn.closeIdleStreams();
    await sink.write(fullBatch());
    assert.equal(standIn.rows('orders').length, 12);
    assert.equal(standIn.streamsOpened, 8);
  });

  test('retired connections are released: across idle closes, drops and lost answers, one connection per table', async () => {
    for (let round = 0; round < 5; round++) {
      await sink.write(fullBatch());
      standIn.closeIdleStreams();
    }
    const requests = standIn.requests.length;
    standIn.respond((_, n) => (n === requests + 1 ? { kind: 'drop', committed: false } : { kind: 'ok' }));
    await sink.write(fullBatch());
    await sink.write(fullBatch());
    assert.equal(standIn.rows('orders').length, 7 * fullBatch().orders.length, 'idle reconnects and the retried drop still write every batch');
    assert.ok(standIn.streamsOpened >= 6 * 4, `reconnected after each idle close: ${standIn.streamsOpened} streams`);
    assert.equal(sink.connections, 4, 'the client holds one connection per table, not every one it opened');
    assert.equal(standIn.openStreams, 4, 'one stream per table open on the server');
  });

  test('verify() passes when every table is writable, and names a missing one in one line', async () => {
    await sink.verify();
    standIn.missingTables.add('order_payments');
    await assert.rejects(
      sink.verify(),
      (error: unknown) =>
        error instanceof OperationalError &&
        !error.message.includes('\n') &&
        error.message ===
          'BigQuery sink cannot write raw.order_payments (projects/orderflow-test/datasets/raw/tables/order_payments): 5 NOT_FOUND: Not found: Table order_payments',
    );
  });

  test('without usable credentials verify() says so in one line, and close() still succeeds', async () => {
    const unauthenticated = createBigQuerySink({
      projectId: 'orderflow-test',
      clientOptions: { servicePath: '127.0.0.1', port: standIn.port, keyFilename: '/nonexistent/orderflow-key.json' },
    });
    await assert.rejects(
      unauthenticated.verify(),
      (error: unknown) => error instanceof OperationalError && /cannot write raw\.\w+ .*orderflow-key\.json/.test(error.message),
    );
    await unauthenticated.close();
    assert.equal(standIn.streamsOpened, 0);
  });

  test('a batch larger than maxRequestBytes goes in several requests', async () => {
    await sink.close();
    // Requests are sized by the rows' protobuf bytes (~200 each here).
    openSink({ maxRequestBytes: 800 });
    const items = Array.from({ length: 12 }, (_, i) => ({ ...fullBatch().order_items[0]!, order_item_id: i + 1 }));
    await sink.write({ ...emptyRawRows(), order_items: items });
    assert.deepEqual(
      standIn.rows('order_items').map((r) => r.order_item_id),
      items.map((r) => BigInt(r.order_item_id)),
    );
    assert.ok(standIn.requests.length >= 3, `${standIn.requests.length} requests`);
    for (const request of standIn.requests) assert.ok(request.bytes <= 800, `a request of ${request.bytes} bytes of rows`);
  });

  test('INVALID_ARGUMENT on an append (the rows refused for good) is WriteRefusedError, for the pipeline to narrow down', async () => {
    standIn.respond(() => ({ kind: 'error', code: grpc.status.INVALID_ARGUMENT, message: 'Request size exceeds the limit' }));
    await assert.rejects(
      sink.write({ ...emptyRawRows(), orders: fullBatch().orders }),
      (error: unknown) => error instanceof WriteRefusedError && /Request size exceeds the limit/.test(error.message),
    );
  });

  test('NOT_FOUND is not a refusal of the data (the operator must act): no WriteRefusedError', async () => {
    standIn.respond(() => ({ kind: 'error', code: grpc.status.NOT_FOUND, message: 'Table raw.orders not found' }));
    await assert.rejects(sink.write({ ...emptyRawRows(), orders: fullBatch().orders }), (error: unknown) => !(error instanceof WriteRefusedError));
  });

  test('a row larger than a request can hold is rejected before sending; its neighbours are written; no request exceeds the limit', async () => {
    await sink.close();
    openSink({ maxRequestBytes: 4_000 });
    const small = fullBatch().dead_letter[0]!;
    const huge = { ...small, message_id: 'huge', payload: 'x'.repeat(10_000) };
    const result = await sink.write({ ...emptyRawRows(), dead_letter: [small, huge, { ...small, message_id: 'after' }] });
    assert.deepEqual(
      result.rejected.map((r) => [r.table, r.index]),
      [['dead_letter', 1]],
    );
    assert.match(result.rejected[0]!.reason, /exceeds the 4000-byte AppendRows request size/);
    assert.deepEqual(
      standIn.rows('dead_letter').map((r) => r.message_id),
      [small.message_id, 'after'],
    );
    assert.ok(
      standIn.requests.every((r) => r.bytes <= 4_000),
      JSON.stringify(standIn.requests.map((r) => r.bytes)),
    );
  });
});
