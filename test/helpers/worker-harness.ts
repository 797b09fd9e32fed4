import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PubSub } from '@google-cloud/pubsub';
import { isUtf8 } from 'node:buffer';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { EventStream, type GeneratedMessage } from '../../generator/stream.ts';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';
import { setupDuckDBWarehouse } from '../../setup/duckdb.ts';
import { setupPubSub } from '../../setup/pubsub.ts';
import { CLI_ARGS } from './cli.ts';

/** An embedded emulator with the orders topic and worker subscription, and an empty warehouse file. */
export interface Harness {
  emulator: RunningEmulator;
  projectId: string;
  topic: string;
  subscription: string;
  database: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  // No GCE metadata server here: spare the client (and the spawned workers) its probe.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const emulator = await startEmulator();
  // The official client in this process (publisher, in-process workers) goes to the emulator too.
  process.env.PUBSUB_EMULATOR_HOST = emulator.address;
  const dir = await mkdtemp(join(tmpdir(), 'orderflow-worker-'));
  const projectId = `test-${process.pid}`;
  const names = { topic: 'orders', subscription: 'orders-worker' };
  await setupPubSub({
    projectId,
    ...names,
    deadLetterTopic: 'orders-dead-letter',
    // Quick retries and a short lease so nacked and orphaned messages come back within seconds.
    maxDeliveryAttempts: 100,
    minBackoffSeconds: 1,
    maxBackoffSeconds: 1,
    ackDeadlineSeconds: 10,
  });
  const database = join(dir, 'warehouse.duckdb');
  await setupDuckDBWarehouse(database);
  return {
    emulator,
    projectId,
    ...names,
    database,
    close: async () => {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The load: 5% duplicates, 2% invalid of every kind, 10% updates, from a fixed seed. */
export function generateMessages(count: number, seed = 4): GeneratedMessage[] {
  const stream = new EventStream({ seed, startTime: Date.parse('2026-11-20T00:00:00Z'), duplicateRate: 0.05, invalidRate: 0.02, updateRate: 0.1 });
  return Array.from({ length: count }, () => stream.nextMessage());
}

export async function publish(harness: Harness, messages: readonly GeneratedMessage[]): Promise<void> {
  const client = new PubSub({ projectId: harness.projectId });
  const topic = client.topic(harness.topic, { batching: { maxMessages: 500, maxMilliseconds: 5 } });
  try {
    for (let i = 0; i < messages.length; i += 2000) {
      await Promise.all(messages.slice(i, i + 2000).map((m) => topic.publishMessage({ data: m.data, attributes: m.attributes })));
    }
  } finally {
    await client.close();
  }
}

export const backlog = (harness: Harness) =>
  harness.emulator.broker.getSubscription(`projects/${harness.projectId}/subscriptions/${harness.subscription}`).backlog;

/** Polls a condition of the in-process emulator (it has no events for this) until it holds. */
export async function until(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** Resolves with the first log line that matches. */
  waitForLog(message: string): Promise<Record<string, unknown>>;
}

/** Spawns `orderflow worker` as a separate process on the harness's subscription and warehouse. */
export async function spawnWorker(harness: Harness, extra: string[] = [], options: { defaultPort?: boolean } = {}): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...CLI_ARGS,
      'worker',
      '--project',
      harness.projectId,
      '--subscription',
      harness.subscription,
      '--database',
      harness.database,
      // defaultPort: the command as a person types it, no --port and no $PORT.
      ...(options.defaultPort ? [] : ['--port', '0']),
      '--stats-interval',
      '60',
      ...extra,
    ],
    { env: { ...process.env, PUBSUB_EMULATOR_HOST: harness.emulator.address, PORT: '' }, stdio: ['ignore', 'inherit', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  const waiters: { message: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        process.stderr.write(`worker ${child.pid}: ${text}\n`);
        continue;
      }
      logs.push(line);
      for (const waiter of waiters.filter((w) => w.message === line.message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const worker: WorkerProcess = {
    child,
    logs,
    exited,
    waitForLog: (message) => {
      const seen = logs.find((line) => line.message === message);
      if (seen) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiters.push({ message, resolve })),
        exited.then((code) => Promise.reject(new Error(`worker exited (${code}) before logging "${message}"`))),
      ]);
    },
  };
  await worker.waitForLog('worker started');
  return worker;
}

/** SIGTERM, and the exit code; fails when the worker takes longer than Cloud Run's 10 s. */
export async function terminate(worker: WorkerProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  worker.child.kill('SIGTERM');
  const code = await Promise.race([worker.exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    worker.child.kill('SIGKILL');
    throw new Error('worker did not exit within 10 s of SIGTERM');
  }
  return { code, ms: Date.now() - started };
}

export interface WarehouseState {
  orders: string[];
  items: string[];
  payments: string[];
  /** One entry per distinct dead-lettered message id: payload and error code. */
  deadLetters: string[];
  deadLetterRows: number;
}

const cents = (value: number) => Math.round(value * 100);

/**
 * What the *_current views and the dead-letter table must hold, computed from the generator's
 * messages alone: per order the latest event (event_time, then event_id), its items and payments
 * from the latest event that carried them; every invalid message once.
 */
export function expectedState(messages: readonly GeneratedMessage[]): WarehouseState {
  // The contract's "latest": event_sequence (missing = 0), then event_time, then event_id.
  type Ordered = { event_sequence?: number; event_time: string; event_id: string };
  const later = (a: Ordered, b: Ordered) =>
    (a.event_sequence ?? 0) - (b.event_sequence ?? 0) ||
    Date.parse(a.event_time) - Date.parse(b.event_time) ||
    (a.event_id > b.event_id ? 1 : a.event_id < b.event_id ? -1 : 0);
  const latest = new Map<string, NonNullable<GeneratedMessage['event']>>();
  const withLines = new Map<string, NonNullable<GeneratedMessage['event']>>();
  const deadLetters: string[] = [];
  for (const message of messages) {
    if (message.kind === 'invalid') {
      deadLetters.push(`${isUtf8(message.data) ? message.data.toString('utf8') : message.data.toString('base64')}|${message.expectedError}`);
      continue;
    }
    const event = message.event!;
    const id = event.order.order_id;
    const current = latest.get(id);
    if (!current || later(event, current) > 0) latest.set(id, event);
    const lines = withLines.get(id);
    if (event.items && (!lines || later(event, lines) > 0)) withLines.set(id, event);
  }
  const orders = [...latest.values()].map((e) => `${e.order.order_id}|${e.event_id}|${e.order.order_status}`);
  const items = [...withLines.values()].flatMap((e) =>
    e.items!.map((i) => `${e.order.order_id}|${i.order_item_id}|${e.event_id}|${cents(i.price)}|${cents(i.freight_value)}`),
  );
  const payments = [...withLines.values()].flatMap((e) =>
    e.payments!.map((p) => `${e.order.order_id}|${p.payment_sequential}|${e.event_id}|${cents(p.payment_value)}`),
  );
  return { orders: orders.sort(), items: items.sort(), payments: payments.sort(), deadLetters: deadLetters.sort(), deadLetterRows: deadLetters.length };
}

export async function readState(database: string): Promise<WarehouseState> {
  return withDuckDBFile(database, async (c) => {
    const column = async (sql: string) =>
      (await c.runAndReadAll(sql))
        .getRows()
        .map((row) => String(row[0]))
        .sort();
    const deadLetterRows = Number((await c.runAndReadAll('SELECT count(*) FROM raw.dead_letter')).getRows()[0]![0]);
    const incomplete = await column(
      `SELECT message_id FROM raw.dead_letter WHERE len(errors) = 0 OR len(attributes) = 0 OR (payload IS NULL AND payload_base64 IS NULL)`,
    );
    assert.deepEqual(incomplete, [], 'every dead letter keeps its payload, attributes and reasons');
    return {
      orders: await column(`SELECT order_id || '|' || event_id || '|' || order_status FROM raw.orders_current`),
      items: await column(
        `SELECT order_id || '|' || order_item_id || '|' || event_id || '|' || CAST(price * 100 AS BIGINT) || '|' || CAST(freight_value * 100 AS BIGINT) FROM raw.order_items_current`,
      ),
      payments: await column(
        `SELECT order_id || '|' || payment_sequential || '|' || event_id || '|' || CAST(payment_value * 100 AS BIGINT) FROM raw.order_payments_current`,
      ),
      deadLetters: await column(`SELECT any_value(coalesce(payload, payload_base64)) || '|' || any_value(error_code) FROM raw.dead_letter GROUP BY message_id`),
      deadLetterRows,
    };
  });
}

/** Exact equality of the views and dead letters (row copies from redeliveries are allowed in the raw dead-letter table). */
export function assertExact(actual: WarehouseState, expected: WarehouseState): void {
  assert.equal(actual.orders.length, expected.orders.length, 'orders_current row count');
  assert.deepEqual(actual.orders, expected.orders, 'orders_current');
  assert.deepEqual(actual.items, expected.items, 'order_items_current');
  assert.deepEqual(actual.payments, expected.payments, 'order_payments_current');
  assert.deepEqual(actual.deadLetters, expected.deadLetters, 'dead letters, one per invalid message');
}
