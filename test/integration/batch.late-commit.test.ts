import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { PubSub } from '@google-cloud/pubsub';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { setupPubSub } from '../../setup/pubsub.ts';
import type { GeneratedMessage } from '../../generator/stream.ts';
import { runCli } from '../helpers/cli.ts';
import { generateMessages, writeDims } from '../helpers/raw-fixture.ts';
import { spawnWorker, startHarness, terminate, until, type Harness, type WorkerProcess } from '../helpers/worker-harness.ts';

const count = (database: string, sql: string) =>
  withDuckDBFile(database, async (db) => Number((await db.runAndReadAll(sql)).getRows()[0]![0]), { lockTimeoutMs: 60_000 });
const orderIds = (messages: readonly GeneratedMessage[]) => messages.map((m) => `'${m.event!.order.order_id}'`).join(', ');

/** Polls the warehouse (no event tells when another process committed) until every order of the group is in raw.orders. */
async function committed(group: readonly GeneratedMessage[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await count(database!, `SELECT COUNT(DISTINCT order_id) FROM raw.orders WHERE order_id IN (${orderIds(group)})`)) < group.length) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a worker to commit');
    await sleep(100);
  }
}
let database: string | undefined;

async function publishTo(harness: Harness, topic: string, messages: readonly GeneratedMessage[]): Promise<void> {
  const client = new PubSub({ projectId: harness.projectId });
  try {
    await Promise.all(messages.map((m) => client.topic(topic).publishMessage({ data: m.data, attributes: m.attributes })));
  } finally {
    await client.close();
  }
}

/**
 * Issue 16's late commit, with two worker processes: worker A receives 20 orders and holds its
 * micro-batch (--batch-max-age-ms 600000); worker B commits 20 other orders; `batch run` publishes
 * them; then A commits (it drains on SIGTERM). A's rows carry the time they were written, after the
 * first run's watermark, and a second `batch run`, with default flags, publishes A's orders too.
 * Each worker has its own subscription (A's on a second topic), so which worker gets which order
 * is decided, not raced.
 */
describe('batch run with default flags never skips rows committed after it read past them', () => {
  let harness: Harness;
  let dims: string;
  let reports: string;
  const workers: WorkerProcess[] = [];
  const created = generateMessages({ messages: 200 }).filter((m) => m.kind === 'created');
  const groupA = created.slice(0, 20);
  const groupB = created.slice(20, 40);

  before(async () => {
    harness = await startHarness();
    database = harness.database;
    await setupPubSub({
      projectId: harness.projectId,
      topic: 'orders-late',
      subscription: 'late-worker',
      deadLetterTopic: 'orders-late-dead-letter',
      maxDeliveryAttempts: 100,
      minBackoffSeconds: 1,
      maxBackoffSeconds: 1,
      ackDeadlineSeconds: 10,
    });
    dims = await writeDims();
    reports = mkdtempSync(join(tmpdir(), 'orderflow-late-reports-'));
  });
  after(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) await terminate(worker);
    await harness.close();
    rmSync(dims, { recursive: true, force: true });
    rmSync(reports, { recursive: true, force: true });
  });

  test("A's 20 orders, committed after the first run published B's, are published by the next run", async () => {
    assert.equal(groupA.length + groupB.length, 40);
    const batchRun = async () => {
      const result = await runCli(['batch', 'run', '--database', harness.database, '--dims', dims, '--reports', reports]);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout.toString()) as { status: string; watermark: { next: string } };
    };
    const holding = await spawnWorker({ ...harness, subscription: 'late-worker' }, ['--batch-max-age-ms', '600000']);
    workers.push(holding);
    workers.push(await spawnWorker(harness));
    await publishTo(harness, 'orders-late', groupA);
    // The emulator's own lease table: every one of A's messages delivered and held unacked by worker A.
    const late = harness.emulator.broker.getSubscription(`projects/${harness.projectId}/subscriptions/late-worker`) as unknown as {
      leases: Map<string, unknown>;
    };
    await until(() => late.leases.size === groupA.length, 'worker A to receive its orders');
    await publishTo(harness, harness.topic, groupB);
    await committed(groupB);

    const first = await batchRun();
    assert.equal(first.status, 'published');
    assert.equal(await count(harness.database, 'SELECT COUNT(*) FROM mart.fact_orders'), 20, "B's orders only: A still holds its batch");
    assert.equal(await count(harness.database, `SELECT COUNT(*) FROM raw.orders WHERE order_id IN (${orderIds(groupA)})`), 0, 'A has not committed yet');

    // SIGTERM: the worker drains, writing the batch it held (a slow append, a long batch age).
    assert.equal((await terminate(holding)).code, 0);
    await committed(groupA);
    const behind = await count(
      harness.database,
      `SELECT COUNT(*) FROM raw.orders WHERE order_id IN (${orderIds(groupA)}) AND ingested_at <= TIMESTAMP '${first.watermark.next}'`,
    );
    assert.equal(behind, 0, `A's rows are stamped when written, after the first run's watermark ${first.watermark.next}`);

    const second = await batchRun();
    assert.equal(second.status, 'published');
    assert.equal(await count(harness.database, 'SELECT COUNT(*) FROM mart.fact_orders'), 40);
    assert.equal(await count(harness.database, `SELECT COUNT(*) FROM mart.fact_orders WHERE order_id IN (${orderIds(groupA)})`), 20);
    const third = await batchRun();
    assert.equal(third.status, 'no_work', 'once caught up, nothing to do');
  });
});
