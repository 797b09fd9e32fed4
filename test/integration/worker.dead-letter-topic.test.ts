import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PubSub } from '@google-cloud/pubsub';
import { createLogger } from '../../common/logger.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import type { RawRows } from '../../streaming/rows.ts';
import { TransientWriteError } from '../../streaming/errors.ts';
import { setupPubSub } from '../../setup/pubsub.ts';
import { DuckDBSink } from '../../streaming/sinks/duckdb-sink.ts';
import { MemorySink } from '../helpers/memory-sink.ts';
import type { RowSink, WriteResult } from '../../streaming/sinks/sink.ts';
import { startWorker } from '../../streaming/worker.ts';
import { generateMessages, spawnWorker, startHarness, terminate, until, type Harness } from '../helpers/worker-harness.ts';

const MAX_ATTEMPTS = 5;

/** Fails (transiently, as a lost warehouse would) every write holding the poison event's rows. */
class PoisonSink implements RowSink {
  poisonWrites = 0;
  constructor(
    private readonly inner: RowSink,
    private readonly poison: string,
  ) {}

  write(batch: RawRows): Promise<WriteResult> {
    if (batch.orders.some((row) => row.event_id === this.poison)) {
      this.poisonWrites += 1;
      return Promise.reject(new TransientWriteError('injected: the warehouse refuses this batch'));
    }
    return this.inner.write(batch);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

interface DeadLetterRow {
  message_id: string;
  error_code: string;
  event_id: string | null;
  payload: string | null;
  payload_base64: string | null;
  attributes: { key: string; value: string }[];
  errors: { code: string; path: string; message: string }[];
  source_subscription: string | null;
  source_delivery_count: number | null;
  source_publish_time: string | null;
}

const deadLetters = (database: string) =>
  withDuckDBFile(
    database,
    async (c) =>
      (
        await c.runAndReadAll(`SELECT message_id, error_code, event_id, payload, payload_base64, attributes, errors, source_subscription,
     CAST(source_delivery_count AS INTEGER) AS source_delivery_count, strftime(source_publish_time, '%Y-%m-%dT%H:%M:%S.%fZ') AS source_publish_time FROM raw.dead_letter ORDER BY received_at`)
      ).getRowObjectsJson() as unknown as DeadLetterRow[],
  );

const countRows = (database: string, sql: string) => withDuckDBFile(database, async (c) => Number((await c.runAndReadAll(sql)).getRows()[0]![0]));

describe('the dead-letter topic is drained into raw.dead_letter', () => {
  let harness: Harness;
  let projectId: string;
  const backlogOf = (subscription: string, project = projectId) =>
    harness.emulator.broker.getSubscription(`projects/${project}/subscriptions/${subscription}`).backlog;
  before(async () => {
    harness = await startHarness();
    // The harness's project allows 100 attempts; this one gives up after Pub/Sub's minimum, 5.
    projectId = `${harness.projectId}-dlq`;
    await setupPubSub({
      projectId,
      topic: 'orders',
      subscription: 'orders-worker',
      deadLetterTopic: 'orders-dead-letter',
      deadLetterSubscription: 'orders-dead-letter',
      maxDeliveryAttempts: MAX_ATTEMPTS,
      minBackoffSeconds: 1,
      maxBackoffSeconds: 1,
      ackDeadlineSeconds: 10,
    });
  });
  after(async () => {
    await harness.close();
  });

  test('a message nacked until its last delivery attempt ends in raw.dead_letter as delivery_exhausted; its neighbours are written; nothing is left', async () => {
    const messages = generateMessages(40, 21).filter((m) => m.kind === 'created');
    const poison = messages[7]!;
    const poisonId = poison.attributes.event_id!;
    const sink = new PoisonSink(new DuckDBSink({ path: harness.database, lockTimeoutMs: 10_000 }), poisonId);
    const worker = await startWorker(
      {
        mode: 'pull',
        projectId,
        subscription: 'orders-worker',
        deadLetterSubscription: 'orders-dead-letter',
        maxMessages: 100,
        maxBytes: 64 << 20,
        streams: 1,
        // One message a batch: the poison takes no neighbour down with it (issue 15 item 2 is another matter).
        limits: { maxMessages: 1, maxRows: 1000, maxBytes: 8 << 20, maxAgeMs: 5, maxInFlight: 4 },
        dedupeCapacity: 1000,
        host: '127.0.0.1',
        port: 0,
        statsIntervalMs: 60_000,
        drainTimeoutMs: 5000,
      },
      { sink, logger: createLogger({ level: 'silent' }) },
    );
    const client = new PubSub({ projectId });
    let publishedAt: number;
    try {
      const topic = client.topic('orders');
      publishedAt = Date.now();
      await Promise.all(messages.map((m) => topic.publishMessage({ data: m.data, attributes: m.attributes })));
      await until(
        () => backlogOf('orders-worker') === 0 && backlogOf('orders-dead-letter') === 0 && sink.poisonWrites === MAX_ATTEMPTS,
        'both subscriptions to drain',
        60_000,
      );
    } finally {
      await client.close();
      await worker.stop();
    }
    assert.equal(sink.poisonWrites, MAX_ATTEMPTS, 'delivered no more than the subscription allows');

    const rows = (await deadLetters(harness.database)).filter((row) => row.event_id === poisonId);
    assert.equal(rows.length, 1, 'one dead letter for the poison message');
    const [row] = rows;
    assert.equal(row!.error_code, 'delivery_exhausted');
    assert.equal(row!.payload, poison.data.toString('utf8'), 'the original bytes');
    assert.equal(row!.payload_base64, null);
    assert.deepEqual(Object.fromEntries(row!.attributes.map((a) => [a.key, a.value])), poison.attributes, "the original attributes, without Pub/Sub's");
    assert.equal(row!.source_subscription, `projects/${projectId}/subscriptions/orders-worker`);
    assert.equal(row!.source_delivery_count, MAX_ATTEMPTS);
    assert.ok(Math.abs(Date.parse(row!.source_publish_time!) - publishedAt!) < 10_000, `source_publish_time ${row!.source_publish_time}`);
    assert.equal(row!.errors[0]!.code, 'delivery_exhausted');
    assert.match(row!.errors[0]!.message, new RegExp(`after ${MAX_ATTEMPTS} delivery attempts on projects/${projectId}/subscriptions/orders-worker`));
    assert.equal(await countRows(harness.database, `SELECT count(*) FROM raw.orders WHERE event_id = '${poisonId}'`), 0);
    const others = messages
      .filter((m) => m !== poison)
      .map((m) => `'${m.attributes.event_id}'`)
      .join(', ');
    assert.equal(
      await countRows(harness.database, `SELECT count(DISTINCT event_id) FROM raw.orders WHERE event_id IN (${others})`),
      messages.length - 1,
      'every neighbour written',
    );
  });

  test('`orderflow worker --dead-letter-subscription` writes what arrives there (any bytes) and acks it', async () => {
    // The harness's project: setup named its dead-letter subscription after the topic.
    const worker = await spawnWorker(harness, ['--dead-letter-subscription', 'orders-dead-letter']);
    const client = new PubSub({ projectId: harness.projectId });
    const notUtf8 = Buffer.from([0xc3, 0x28, 0x7b]);
    try {
      // What Pub/Sub itself publishes there: the original message plus its CloudPubSubDeadLetter* attributes.
      await client.topic('orders-dead-letter').publishMessage({
        data: notUtf8,
        attributes: {
          source: 'test',
          CloudPubSubDeadLetterSourceSubscription: 'orders-worker',
          CloudPubSubDeadLetterSourceSubscriptionProject: harness.projectId,
          CloudPubSubDeadLetterSourceDeliveryCount: '12',
          CloudPubSubDeadLetterSourceTopicPublishTime: '2026-11-20T10:00:00.123456Z',
        },
      });
      await until(() => backlogOf('orders-dead-letter', harness.projectId) === 0, 'the dead-letter subscription to drain', 30_000);
      await worker.waitForLog('delivery exhausted: message written to raw.dead_letter');
    } finally {
      await client.close();
      assert.equal((await terminate(worker)).code, 0);
    }
    const row = (await deadLetters(harness.database)).find((r) => r.payload_base64 === notUtf8.toString('base64'));
    assert.ok(row, 'the message is in raw.dead_letter');
    assert.equal(row.error_code, 'delivery_exhausted');
    assert.equal(row.payload, null);
    assert.deepEqual(row.attributes, [{ key: 'source', value: 'test' }]);
    assert.equal(row.source_subscription, `projects/${harness.projectId}/subscriptions/orders-worker`);
    assert.equal(row.source_delivery_count, 12);
    assert.equal(row.source_publish_time, '2026-11-20T10:00:00.123456Z');
    assert.deepEqual(
      row.errors.map((e) => e.code),
      ['delivery_exhausted', 'not_utf8'],
      'and why the validator would refuse it',
    );
    const stopped = worker.logs.find((line) => line.message === 'worker stopped')!;
    assert.deepEqual([stopped['dead_letters.received'], stopped['dead_letters.written'], stopped['dead_letters.nacked']], [1, 1, 0]);
  });

  test('push mode: the dead-letter subscription pushes to /dead-letters; the worker answers 204 once the row is durable', async () => {
    const sink = new MemorySink();
    const worker = await startWorker(
      {
        mode: 'push',
        projectId: 'p',
        subscription: 'unused',
        deadLetterSubscription: 'orders-dead-letter',
        maxMessages: 100,
        maxBytes: 1 << 20,
        streams: 1,
        limits: { maxMessages: 10, maxRows: 1000, maxBytes: 8 << 20, maxAgeMs: 5, maxInFlight: 2 },
        dedupeCapacity: 100,
        host: '127.0.0.1',
        port: 0,
        statsIntervalMs: 60_000,
        drainTimeoutMs: 2000,
      },
      { sink, logger: createLogger({ level: 'silent' }) },
    );
    const [message] = generateMessages(5, 3).filter((m) => m.kind === 'created');
    const push = (path: string, id: string) =>
      fetch(`http://127.0.0.1:${worker.address.port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          message: {
            data: message!.data.toString('base64'),
            messageId: id,
            publishTime: '2026-11-20T10:00:05.000Z',
            attributes: {
              ...message!.attributes,
              CloudPubSubDeadLetterSourceSubscription: 'orders-worker',
              CloudPubSubDeadLetterSourceSubscriptionProject: 'p',
              CloudPubSubDeadLetterSourceDeliveryCount: '7',
            },
          },
          subscription: 'projects/p/subscriptions/orders-dead-letter',
        }),
      });
    try {
      assert.equal((await push('/dead-letters', 'dlq-push-1')).status, 204);
      // The same bytes on the main path are an order event: written, not dead-lettered.
      assert.equal((await push('/', 'main-push-1')).status, 204);
    } finally {
      await worker.stop();
    }
    assert.deepEqual(
      sink.tables.dead_letter.map((row) => [row.message_id, row.error_code, row.source_subscription, row.source_delivery_count]),
      [['dlq-push-1', 'delivery_exhausted', 'projects/p/subscriptions/orders-worker', 7]],
    );
    assert.deepEqual(
      sink.tables.orders.map((row) => row.message_id),
      ['main-push-1'],
    );
  });
});
