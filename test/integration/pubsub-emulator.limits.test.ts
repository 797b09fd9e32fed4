import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { PubSub } from '@google-cloud/pubsub';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';
import { GrpcApi, RestApi, type RestError } from '../helpers/pubsub-api.ts';
import { uniqueId } from '../helpers/pubsub-targets.ts';

// Retention shorter than the service's 10-minute minimum and the memory bound are the embedded
// emulator's own (gcloud's emulator has neither), so these run against it alone.
const PROJECT = 'orderflow-limits';
const MAX_HELD_BYTES = 10_000;

describe('embedded emulator limits', () => {
  let emulator: RunningEmulator;
  let api: GrpcApi;
  let rest: RestApi;
  let pubsub: PubSub;
  const topicPath = () => `projects/${PROJECT}/topics/${uniqueId('topic')}`;
  const subscriptionPath = () => `projects/${PROJECT}/subscriptions/${uniqueId('sub')}`;

  before(async () => {
    emulator = await startEmulator({ maxHeldBytes: MAX_HELD_BYTES });
    api = new GrpcApi(emulator.address, PROJECT);
    rest = new RestApi(emulator.address, PROJECT);
    pubsub = new PubSub({ apiEndpoint: emulator.address, emulatorMode: true, projectId: PROJECT });
  });
  after(async () => {
    await pubsub.close();
    await api.close();
    await emulator.close();
  });

  test('messages past message_retention_duration are dropped, never delivered', async () => {
    const topic = topicPath();
    await api.createTopic(topic);
    const subscription = subscriptionPath();
    const created = await api.createSubscription({ name: subscription, topic, messageRetentionDuration: { seconds: 1 } });
    assert.equal((created.messageRetentionDuration as { seconds?: number }).seconds, 1);
    const other = subscriptionPath();
    assert.equal(
      ((await api.createSubscription({ name: other, topic })).messageRetentionDuration as { seconds?: number }).seconds,
      604800,
      'the service default, 7 days',
    );
    await api.publish(topic, [{ data: Buffer.from('short-lived') }]);
    // Retention is about time passing: nothing to await but the clock.
    await sleep(1500);
    assert.equal((await api.pull(subscription, 10, true)).length, 0, 'expired');
    assert.equal(emulator.broker.getSubscription(subscription).backlog, 0);
    const kept = await api.pull(other, 10, true);
    assert.equal(kept.length, 1, 'the 7-day subscription still has it');
    await api.acknowledge(
      other,
      kept.map((r) => r.ackId),
    );
    await assert.rejects(api.createSubscription({ name: subscriptionPath(), topic, messageRetentionDuration: { seconds: 32 * 24 * 3600 } }), { code: 3 });
  });

  test('publishing beyond the memory bound is RESOURCE_EXHAUSTED (429 over REST) until messages are acked; filtered-out messages are not held', async () => {
    const topic = topicPath();
    await api.createTopic(topic);
    const subscription = subscriptionPath();
    await api.createSubscription({ name: subscription, topic, filter: 'attributes:keep' });
    const kilobytes = (n: number) => Buffer.alloc(n * 1000, 'x');
    await api.publish(topic, [{ data: kilobytes(6), attributes: { keep: '1' } }]);
    await api.publish(topic, [{ data: kilobytes(6) }]);
    assert.ok(
      emulator.broker.heldBytes > 6000 && emulator.broker.heldBytes < 7000,
      `held ${emulator.broker.heldBytes} bytes: the filtered-out message is not held`,
    );
    await assert.rejects(
      api.publish(topic, [{ data: kilobytes(5), attributes: { keep: '1' } }]),
      (error: { code?: number; message?: string }) => error.code === 8 && /limit of 10000/.test(error.message ?? ''),
    );
    await assert.rejects(
      rest.publish(topic, [{ data: kilobytes(5), attributes: { keep: '1' } }]),
      (error: RestError) => error.code === 8 && error.httpStatus === 429,
    );
    const [held] = await api.pull(subscription, 10, true);
    await api.acknowledge(subscription, [held?.ackId as string]);
    assert.equal(emulator.broker.heldBytes, 0);
    await api.publish(topic, [{ data: kilobytes(5), attributes: { keep: '1' } }]);
    const [last] = await api.pull(subscription, 10, true);
    await api.acknowledge(subscription, [last?.ackId as string]);
  });

  test('an ordered publish that fails stops its key: the messages queued behind it are not sent, resumePublishing starts it again', async () => {
    const [topic] = await pubsub.createTopic(uniqueId('topic'));
    const [subscription] = await topic.createSubscription(uniqueId('sub'), { enableMessageOrdering: true });
    // No retries: the client would retry RESOURCE_EXHAUSTED until its 60 s total timeout.
    topic.setPublishOptions({ messageOrdering: true, batching: { maxMessages: 1 }, gaxOpts: { retry: null } as never });
    await topic.publishMessage({ data: Buffer.alloc(9000, 'a'), orderingKey: 'k' });
    // b passes the bound; c, queued behind it on the same key, must then not be sent at all
    // (it alone would fit): publishing a key stops at its first failure.
    const b = topic.publishMessage({ data: Buffer.alloc(2000, 'b'), orderingKey: 'k' });
    const c = topic.publishMessage({ data: Buffer.from('c'), orderingKey: 'k' });
    await assert.rejects(b, { code: 8 });
    await assert.rejects(c, { code: 8 });
    const held = await api.pull(subscription.name, 10, true);
    assert.deepEqual(
      held.map((r) => r.message.data.length),
      [9000],
      'nothing after the failed message of the key was stored',
    );
    await api.acknowledge(
      subscription.name,
      held.map((r) => r.ackId),
    );
    topic.resumePublishing('k');
    const id = await topic.publishMessage({ data: Buffer.from('after resume'), orderingKey: 'k' });
    const [next] = await api.pull(subscription.name, 10, true);
    assert.equal(next?.message.messageId, id);
  });
});
