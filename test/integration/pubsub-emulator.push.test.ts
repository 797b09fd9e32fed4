import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';
import { INITIAL_PUSH_WINDOW } from '../../local/emulator/limits.ts';
import { MemorySink } from '../helpers/memory-sink.ts';
import { startWorker, type RunningWorker } from '../../streaming/worker.ts';
import { createdEvent } from '../fixtures/events.ts';
import { GrpcApi } from '../helpers/pubsub-api.ts';
import { uniqueId } from '../helpers/pubsub-targets.ts';
import { PushReceiver } from '../helpers/push-receiver.ts';

// The embedded emulator's push delivery against the push-mode worker and its own push window:
// gcloud's emulator signs no tokens and has no window to observe, so these run on the embedded one.
const PROJECT = 'orderflow-push';
const AUDIENCE = 'https://worker.local/push';
const MAX_CONCURRENCY = 8;

/** Resolves once check() holds, polling every 20 ms; fails after timeoutMs. */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('embedded emulator push delivery', () => {
  let emulator: RunningEmulator;
  let api: GrpcApi;
  const topicPath = () => `projects/${PROJECT}/topics/${uniqueId('topic')}`;
  const subscriptionPath = () => `projects/${PROJECT}/subscriptions/${uniqueId('sub')}`;

  before(async () => {
    emulator = await startEmulator({ pushMaxConcurrency: MAX_CONCURRENCY });
    api = new GrpcApi(emulator.address, PROJECT);
  });
  after(async () => {
    await api.close();
    await emulator.close();
  });

  test('a push-mode worker verifies the ID token against the emulator certificates and writes the rows', async () => {
    const memory = new MemorySink();
    const worker: RunningWorker = await startWorker(
      {
        mode: 'push',
        projectId: PROJECT,
        subscription: 'unused',
        maxMessages: 1000,
        maxBytes: 1 << 20,
        streams: 1,
        limits: { maxMessages: 100, maxRows: 5000, maxBytes: 8 << 20, maxAgeMs: 20, maxInFlight: 2 },
        dedupeCapacity: 1000,
        host: '127.0.0.1',
        port: 0,
        pushIdentity: { audience: AUDIENCE, serviceAccount: 'pusher@orderflow-push.iam.gserviceaccount.com' },
        pushCertsUrl: emulator.certsUrl,
        statsIntervalMs: 60_000,
        drainTimeoutMs: 2000,
      },
      { sink: memory, logger: createLogger({ level: 'silent' }) },
    );
    try {
      const pushEndpoint = `http://127.0.0.1:${worker.address.port}/`;
      const topic = topicPath();
      await api.createTopic(topic);
      const good = subscriptionPath();
      await api.createSubscription({
        name: good,
        topic,
        ackDeadlineSeconds: 10,
        pushConfig: { pushEndpoint, oidcToken: { serviceAccountEmail: 'pusher@orderflow-push.iam.gserviceaccount.com', audience: AUDIENCE } },
      });
      const wrongAudience = subscriptionPath();
      await api.createSubscription({
        name: wrongAudience,
        topic,
        ackDeadlineSeconds: 10,
        pushConfig: { pushEndpoint, oidcToken: { serviceAccountEmail: 'pusher@orderflow-push.iam.gserviceaccount.com', audience: 'https://someone.else/' } },
      });
      await api.publish(topic, [{ data: Buffer.from(JSON.stringify(createdEvent())), attributes: { event_type: 'order_created' } }]);

      const backlog = (name: string) => emulator.broker.getSubscription(name).backlog;
      await until(() => backlog(good) === 0, 'the push to be acked');
      assert.equal(memory.tables.orders.length, 1);
      assert.equal(memory.tables.orders[0]?.event_id, 'evt-0001');
      assert.equal(memory.tables.order_items.length, 2);
      // The other audience's token is refused (401): a failed attempt, so the window shrinks to 1 and the message stays.
      await until(() => emulator.broker.pusher(emulator.broker.getSubscription(wrongAudience))?.concurrency === 1, 'refused pushes to shrink the window');
      assert.equal(backlog(wrongAudience), 1, 'a refused push is not acked');
      assert.equal(memory.tables.orders.length, 1, 'nothing written from a refused push');
    } finally {
      await worker.stop();
    }
  });

  test(`the push window starts at ${INITIAL_PUSH_WINDOW}, grows to --push-max-concurrency and halves on failures`, async () => {
    const receiver = new PushReceiver(() => sleep(20).then(() => 204));
    const pushEndpoint = await receiver.start();
    try {
      const topic = topicPath();
      await api.createTopic(topic);
      const subscription = subscriptionPath();
      await api.createSubscription({ name: subscription, topic, ackDeadlineSeconds: 10, pushConfig: { pushEndpoint } });
      const count = 200;
      await api.publish(
        topic,
        Array.from({ length: count }, (_, n) => ({ data: Buffer.from(`m${n}`) })),
      );
      await receiver.waitFor(count);
      const opening = Math.max(...receiver.requests.slice(0, INITIAL_PUSH_WINDOW + 1).map((r) => r.concurrent));
      assert.ok(opening <= INITIAL_PUSH_WINDOW, `${opening} requests open before the first answer`);
      assert.equal(receiver.maxInFlight, MAX_CONCURRENCY, 'the window grows to the bound and no further');

      // Every success answered first: a late ack would grow the window again between the failures.
      await until(() => emulator.broker.getSubscription(subscription).backlog === 0, 'the 200 pushes to be acked');
      receiver.setAnswer(() => 503);
      const pusher = () => emulator.broker.pusher(emulator.broker.getSubscription(subscription));
      assert.equal(pusher()?.concurrency, MAX_CONCURRENCY);
      await api.publish(topic, [{ data: Buffer.from('fails') }]);
      // 8 -> 4 -> 2 -> 1: the fourth failing request arrives after three failures were counted.
      await receiver.waitFor(count + 4);
      assert.equal(pusher()?.concurrency, 1);
    } finally {
      await receiver.close();
    }
  });
});
