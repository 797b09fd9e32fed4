import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import * as grpc from '@grpc/grpc-js';
import pLimit from 'p-limit';
import { createLogger } from '../../common/logger.ts';
import { EventStream } from '../../generator/stream.ts';
import { ProcessedSpy } from '../../streaming/pipeline/processed-spy.ts';
import { createBigQuerySink } from '../../streaming/sinks/bigquery/bigquery-sink.ts';
import { setupDuckDBWarehouse } from '../../setup/duckdb.ts';
import { DuckDBSink } from '../../streaming/sinks/duckdb-sink.ts';
import { FaultySink } from '../helpers/faulty-sink.ts';
import type { RowSink } from '../../streaming/sinks/sink.ts';
import { startWorker, type WorkerConfig } from '../../streaming/worker.ts';
import { BigQueryWriteStandIn } from '../helpers/bigquery-write-standin.ts';
import { backlog, startHarness, until, type Harness } from '../helpers/worker-harness.ts';

// Issue 15, "Tests that must exist": a few hundred valid messages mixed with each handed case and
// each poison kind, in pull and push modes, with the DuckDB sink and the BigQuery wire stand-in.
// Afterwards every message is in exactly one place (raw.orders or raw.dead_letter with the right
// code), every valid one is written, and none was delivered more than once.

const VALID = 300;
/** The order whose rows the warehouse refuses (an engine refusal the validator cannot foresee). */
const REFUSED_ORDER = 'f0'.repeat(16);

interface Published {
  data: Buffer;
  attributes: Record<string, string>;
}

function valid(): Published[] {
  const stream = new EventStream({ seed: 15, startTime: Date.parse('2026-11-20T00:00:00Z'), duplicateRate: 0, invalidRate: 0, updateRate: 0.1 });
  return Array.from({ length: VALID }, () => {
    const m = stream.nextMessage();
    return { data: m.data, attributes: { ...m.attributes, case: 'valid' } };
  });
}

/** Each handed case of issue 15 (and the refused kind), with the dead-letter code it must end with. */
function poison(template: Published): { name: string; code: string; data: Buffer }[] {
  const event = JSON.parse(template.data.toString()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const variant = (id: string, change: (e: typeof event) => void) => {
    const copy = structuredClone(event);
    copy.event_id = id;
    change(copy);
    return JSON.stringify(copy);
  };
  return [
    { name: 'offset-hours-only', code: 'schema', data: Buffer.from(variant('p-1', (e) => (e.event_time = '2026-11-20T00:01:07+05'))) },
    {
      name: 'lone-surrogate',
      code: 'schema',
      data: Buffer.from(variant('p-2', (e) => (e.customer.customer_city = '@CITY@')).replace('"@CITY@"', '"bras\\ud83dlia"')),
    },
    { name: 'price-1e-9', code: 'schema', data: Buffer.from(variant('p-3', (e) => (e.items[0].price = '@P@')).replace('"@P@"', '1e-9')) },
    { name: 'price-0.125', code: 'schema', data: Buffer.from(variant('p-4', (e) => (e.items[0].price = '@P@')).replace('"@P@"', '0.125')) },
    { name: 'not-utf8-8MB', code: 'not_utf8', data: Buffer.alloc(8_000_000, 0xff) },
    { name: 'purchase-1970', code: 'schema', data: Buffer.from(variant('p-6', (e) => (e.order.order_purchase_timestamp = '1970-01-01T00:00:00Z'))) },
    { name: 'refused-by-warehouse', code: 'write_rejected', data: Buffer.from(variant('p-7', (e) => (e.order.order_id = REFUSED_ORDER))) },
  ];
}

/** Valid messages with the poison ones spread among them. */
function mixed(): { messages: Published[]; cases: Map<string, string> } {
  const messages = valid();
  const cases = new Map<string, string>();
  const bad = poison(messages[0]!);
  bad.forEach((p, i) => {
    cases.set(p.name, p.code);
    messages.splice(20 + i * 40, 0, { data: p.data, attributes: { case: p.name } });
  });
  return { messages, cases };
}

interface Stored {
  orders: { event_id: string }[];
  dead: {
    case: string;
    error_code: string;
    payload_bytes: number;
    payload_truncated: boolean | null;
    payload_uri: string | null;
    payload_sha256: string;
    errors: string;
  }[];
}

const caseOf = (attributes: unknown) => (attributes as { key: string; value: string }[]).find((a) => a.key === 'case')?.value ?? '';

async function readDuckDB(path: string): Promise<Stored> {
  const db = await (await DuckDBInstance.create(path)).connect();
  try {
    const orders = (await db.runAndReadAll('SELECT event_id FROM raw.orders')).getRowObjectsJS() as Stored['orders'];
    const dead = (
      await db.runAndReadAll(
        'SELECT attributes, error_code, payload_bytes, payload_truncated, payload_uri, payload_sha256, to_json(errors)::VARCHAR AS errors FROM raw.dead_letter',
      )
    )
      .getRowObjectsJS()
      .map((r) => ({ ...r, case: caseOf(r.attributes), payload_bytes: Number(r.payload_bytes) })) as unknown as Stored['dead'];
    return { orders, dead };
  } finally {
    db.closeSync();
  }
}

function readStandIn(standIn: BigQueryWriteStandIn): Stored {
  return {
    orders: standIn.rows('orders').map((r) => ({ event_id: String(r.event_id) })),
    dead: standIn.rows('dead_letter').map((r) => ({
      case: caseOf(r.attributes),
      error_code: String(r.error_code),
      payload_bytes: Number(r.payload_bytes),
      payload_truncated: (r.payload_truncated as boolean | undefined) ?? null,
      payload_uri: (r.payload_uri as string | undefined) ?? null,
      payload_sha256: String(r.payload_sha256),
      errors: JSON.stringify(r.errors),
    })),
  };
}

function assertEachInOnePlace(stored: Stored, messages: Published[], cases: Map<string, string>): void {
  const validIds = messages.filter((m) => m.attributes.case === 'valid').map((m) => m.attributes.event_id!);
  assert.deepEqual(stored.orders.map((r) => r.event_id).sort(), [...validIds].sort(), 'every valid message written once, nothing else in raw.orders');
  assert.deepEqual(stored.dead.map((r) => [r.case, r.error_code]).sort(), [...cases].sort(), 'each poison message dead-lettered once, with its code');
  const refused = stored.dead.find((r) => r.case === 'refused-by-warehouse')!;
  assert.match(refused.errors, /refused/);
  const big = stored.dead.find((r) => r.case === 'not-utf8-8MB')!;
  assert.deepEqual([big.payload_bytes, big.payload_truncated], [8_000_000, true]);
  assert.equal(big.payload_sha256, createHash('sha256').update(Buffer.alloc(8_000_000, 0xff)).digest('hex'));
  assert.ok(big.payload_uri, 'the whole payload is referenced');
}

const config = (mode: 'pull' | 'push', harness: Harness | undefined, store: string): WorkerConfig => ({
  mode,
  projectId: harness?.projectId ?? 'p',
  subscription: harness?.subscription ?? 'unused',
  maxMessages: 1000,
  maxBytes: 64 << 20,
  streams: 1,
  limits: { maxMessages: 50, maxRows: 5000, maxBytes: 32 << 20, maxAgeMs: 20, maxInFlight: 2 },
  dedupeCapacity: 10_000,
  host: '127.0.0.1',
  port: 0,
  statsIntervalMs: 60_000,
  drainTimeoutMs: 5000,
  deadLetterStore: store,
});

/** Runs the mix through a worker in `mode` over `sink`; resolves once every message is settled. */
async function run(mode: 'pull' | 'push', harness: Harness, sink: RowSink, store: string, messages: Published[]) {
  const spy = new ProcessedSpy();
  const worker = await startWorker(config(mode, mode === 'pull' ? harness : undefined, store), { sink, spy, logger: createLogger({ level: 'silent' }) });
  let deliveries = 0;
  try {
    if (mode === 'pull') {
      const { PubSub } = await import('@google-cloud/pubsub');
      const client = new PubSub({ projectId: harness.projectId });
      const topic = client.topic(harness.topic, { batching: { maxMessages: 100, maxMilliseconds: 5 } });
      await Promise.all(messages.map((m) => topic.publishMessage({ data: m.data, attributes: m.attributes })));
      await client.close();
      await spy.waitFor((e) => e.outcome.kind !== 'nack', messages.length);
      await until(() => backlog(harness) === 0, 'the subscription to drain');
    } else {
      // Pub/Sub push: one POST a message, retried on a non-2xx answer (at most 5 deliveries here).
      const limit = pLimit(50);
      await Promise.all(
        messages.map((m, i) =>
          limit(async () => {
            const body = JSON.stringify({
              message: { data: m.data.toString('base64'), attributes: m.attributes, messageId: `push-${i}`, publishTime: new Date().toISOString() },
              subscription: 'projects/p/subscriptions/orders-push',
            });
            for (let attempt = 1; attempt <= 5; attempt++) {
              deliveries += 1;
              const response = await fetch(`http://127.0.0.1:${worker.address.port}/`, {
                method: 'POST',
                body,
                headers: { 'content-type': 'application/json' },
              });
              if (response.status === 204) return;
            }
            assert.fail(`message ${i} (${m.attributes.case}) was not accepted after 5 deliveries`);
          }),
        ),
      );
    }
  } finally {
    await worker.stop();
  }
  const { stats } = worker;
  assert.equal(stats.nacked, 0, 'no message needed a second delivery');
  assert.equal(stats.received, stats.acked + stats.nacked + stats.inFlight);
  assert.equal(stats.acked, messages.length);
  if (mode === 'push') assert.equal(deliveries, messages.length);
  // Each message settled once: none was redelivered.
  assert.equal(new Set(spy.events.map((e) => e.messageId)).size, spy.events.length);
  return stats;
}

describe('poison messages end in exactly one place (issue 15)', () => {
  let harness: Harness;
  let dir: string;
  before(async () => {
    harness = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'orderflow-poison-'));
  });
  after(async () => {
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const mode of ['pull', 'push'] as const) {
    test(`${mode} mode, DuckDB sink`, async () => {
      const { messages, cases } = mixed();
      const database = join(dir, `${mode}.duckdb`);
      await setupDuckDBWarehouse(database);
      const sink = new FaultySink(new DuckDBSink({ path: database, lockTimeoutMs: 10_000 }), {
        refuse: (_table, row) => (row.order_id === REFUSED_ORDER ? 'Invalid Input Error: value refused (test)' : undefined),
      });
      const store = join(dir, `${mode}-duckdb-store`);
      const stats = await run(mode, harness, sink, store, messages);
      assert.equal(stats.refused, 1);
      const stored = await readDuckDB(database);
      assertEachInOnePlace(stored, messages, cases);
      const big = stored.dead.find((r) => r.case === 'not-utf8-8MB')!;
      assert.ok((await readFile(big.payload_uri!)).equals(Buffer.alloc(8_000_000, 0xff)));
    });

    test(`${mode} mode, BigQuery sink (wire stand-in)`, async () => {
      const { messages, cases } = mixed();
      const standIn = await new BigQueryWriteStandIn().start();
      // BigQuery refuses any request that carries the refused order's rows (INVALID_ARGUMENT).
      standIn.respond((request) =>
        request.rows.some((r) => r.order_id === REFUSED_ORDER)
          ? { kind: 'error', code: grpc.status.INVALID_ARGUMENT, message: 'Invalid value (test)' }
          : { kind: 'ok' },
      );
      const sink = createBigQuerySink({
        projectId: 'orderflow-test',
        retryBaseDelayMs: 1,
        logger: createLogger({ level: 'silent' }),
        clientOptions: { servicePath: '127.0.0.1', port: standIn.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' },
      });
      const store = join(dir, `${mode}-bigquery-store`);
      try {
        const stats = await run(mode, harness, sink, store, messages);
        assert.equal(stats.refused, 1);
        assertEachInOnePlace(readStandIn(standIn), messages, cases);
        assert.deepEqual(standIn.decodeErrors, []);
        assert.ok(
          standIn.requests.every((r) => r.bytes < 10_000_000),
          'no AppendRows request over the 10 MB limit',
        );
      } finally {
        await standIn.stop();
      }
    });
  }
});
