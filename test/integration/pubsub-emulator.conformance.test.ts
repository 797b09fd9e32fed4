import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Message, Subscription, Topic } from '@google-cloud/pubsub';
import { type Fields, GrpcApi, type PubSubApi, RestApi } from '../helpers/pubsub-api.ts';
import { PushReceiver } from '../helpers/push-receiver.ts';
import { collect, embeddedTarget, gcloudTarget, TargetClients, type TargetOrSkip, uniqueId } from '../helpers/pubsub-targets.ts';

// One suite, run against the embedded emulator always and gcloud's when it is installed: the
// embedded one is only right where it behaves like the reference. The unary cases run over gRPC
// and over REST (Pub/Sub's HTTP/JSON API); StreamingPull has no HTTP mapping, so its cases are gRPC's.
const targets: TargetOrSkip[] = await Promise.all([embeddedTarget(), gcloudTarget()]);
const ran: string[] = [];
const PROJECT = 'orderflow-conformance';

after(async () => {
  await Promise.all(targets.map((entry) => entry.target?.close()));
  const skipped = targets.filter((entry) => entry.skip).map((entry) => `${entry.name} (skipped: ${entry.skip})`);
  console.log(`pubsub conformance targets ran: ${ran.join(', ') || 'none'}${skipped.length ? `; ${skipped.join('; ')}` : ''}`);
});

const TRANSPORTS = {
  grpc: (address: string) => new GrpcApi(address, PROJECT),
  rest: (address: string) => new RestApi(address, PROJECT),
} as const;

for (const entry of targets) {
  for (const [transport, connect] of Object.entries(TRANSPORTS)) {
    // Every case has its own topic and subscription, so they run side by side: the slow ones
    // (deadlines of 10 s on gcloud's emulator) overlap instead of adding up.
    describe(`Pub/Sub conformance: ${entry.name} over ${transport}`, { skip: entry.skip ?? false, concurrency: true }, () => {
      let api: PubSubApi;
      let deadlineS: number;
      const topicPath = (id: string) => `projects/${PROJECT}/topics/${id}`;
      const subscriptionPath = (id: string) => `projects/${PROJECT}/subscriptions/${id}`;

      before(() => {
        const target = entry.target as NonNullable<typeof entry.target>;
        api = connect(target.address);
        deadlineS = target.minAckDeadlineSeconds;
        ran.push(`${entry.name} (${transport})`);
      });
      after(() => api.close());

      async function topicWithSubscription(fields: Fields = {}): Promise<{ topic: string; subscription: string }> {
        const topic = topicPath(uniqueId('topic'));
        await api.createTopic(topic);
        const subscription = subscriptionPath(uniqueId('sub'));
        await api.createSubscription({ name: subscription, topic, ackDeadlineSeconds: deadlineS, ...fields });
        return { topic, subscription };
      }
      const pullNow = (subscription: string) => api.pull(subscription, 100, true);
      async function pullUntilAny(subscription: string, timeoutMs: number) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const received = await pullNow(subscription);
          if (received.length > 0) return received;
          if (Date.now() > deadline) throw new Error(`no message on ${subscription} within ${timeoutMs} ms`);
          await sleep(100);
        }
      }
      const publishOne = async (topic: string, data: string, attributes?: Record<string, string>) =>
        (await api.publish(topic, [{ data: Buffer.from(data), ...(attributes ? { attributes } : {}) }]))[0] as string;

      it('creates, gets, lists and deletes topics and subscriptions with the service status codes', async () => {
        const topic = topicPath(uniqueId('topic'));
        await api.createTopic(topic);
        await assert.rejects(api.createTopic(topic), { code: 6 }, 'ALREADY_EXISTS');
        const subscription = subscriptionPath(uniqueId('sub'));
        await api.createSubscription({ name: subscription, topic, ackDeadlineSeconds: 30 });
        await assert.rejects(api.createSubscription({ name: subscription, topic }), { code: 6 }, 'ALREADY_EXISTS');
        await assert.rejects(
          api.createSubscription({ name: subscriptionPath(uniqueId('sub')), topic: topicPath(uniqueId('missing')) }),
          { code: 5 },
          'NOT_FOUND',
        );
        const metadata = await api.getSubscription(subscription);
        assert.equal(metadata.topic, topic);
        assert.equal(metadata.ackDeadlineSeconds, 30);
        assert.equal((await api.getTopic(topic)).name, topic);
        const topics = await api.listTopics();
        assert.ok(topics.some((t) => t.name === topic));
        assert.deepEqual(await api.listTopicSubscriptions(topic), [subscription]);
        await api.deleteSubscription(subscription);
        await assert.rejects(api.getSubscription(subscription), { code: 5 }, 'NOT_FOUND');
        await api.deleteTopic(topic);
        await assert.rejects(api.getTopic(topic), { code: 5 }, 'NOT_FOUND');
        await assert.rejects(publishOne(topic, 'x'), { code: 5 }, 'publishing to a deleted topic');
      });

      it('updates a subscription by field mask', async () => {
        const deadTopic = topicPath(uniqueId('topic'));
        await api.createTopic(deadTopic);
        const { subscription } = await topicWithSubscription({ ackDeadlineSeconds: 20, labels: { team: 'data' } });
        await api.updateSubscription({ name: subscription, ackDeadlineSeconds: 30, deadLetterPolicy: { deadLetterTopic: deadTopic, maxDeliveryAttempts: 7 } }, [
          'ack_deadline_seconds',
          'dead_letter_policy',
        ]);
        const metadata = (await api.getSubscription(subscription)) as {
          ackDeadlineSeconds?: number;
          deadLetterPolicy?: { deadLetterTopic?: string; maxDeliveryAttempts?: number };
          labels?: Record<string, string>;
        };
        assert.equal(metadata.ackDeadlineSeconds, 30);
        assert.equal(metadata.deadLetterPolicy?.deadLetterTopic, deadTopic);
        assert.equal(metadata.deadLetterPolicy?.maxDeliveryAttempts, 7);
        assert.deepEqual({ ...metadata.labels }, { team: 'data' }, 'fields outside the mask are kept');
        await assert.rejects(
          api.updateSubscription({ name: subscription, ackDeadlineSeconds: 601 }, ['ack_deadline_seconds']),
          { code: 3 },
          'INVALID_ARGUMENT',
        );
      });

      it('holds a nacked message back for the retry policy minimum backoff', { skip: entry.target?.limitations.retryPolicy ?? false }, async () => {
        const backoffS = 2;
        const { topic, subscription } = await topicWithSubscription({
          retryPolicy: { minimumBackoff: { seconds: backoffS }, maximumBackoff: { seconds: 60 } },
        });
        const id = await publishOne(topic, 'back off');
        const [first] = await pullUntilAny(subscription, 15_000);
        await api.modifyAckDeadline(subscription, [first?.ackId as string], 0);
        const nackedAt = Date.now();
        const [again] = await pullUntilAny(subscription, 15_000);
        assert.equal(again?.message.messageId, id);
        assert.ok(Date.now() - nackedAt >= backoffS * 1000 - 500, `redelivered ${Date.now() - nackedAt} ms after the nack`);
        await api.acknowledge(subscription, [again?.ackId as string]);
      });

      it('delivers data, attributes, ordering key, message id and publish time over unary Pull', async () => {
        const { topic, subscription } = await topicWithSubscription();
        const before = Date.now();
        const [id] = await api.publish(topic, [
          { data: Buffer.from('{"order_id":"o-1"}'), attributes: { source: 'conformance', kind: 'order' }, orderingKey: 'o-1' },
        ]);
        const [received] = await pullUntilAny(subscription, 15_000);
        await api.acknowledge(subscription, [received?.ackId as string]);
        const message = received?.message;
        assert.equal(message?.messageId, id);
        assert.equal(message?.data.toString(), '{"order_id":"o-1"}');
        assert.deepEqual(message?.attributes, { source: 'conformance', kind: 'order' });
        assert.equal(message?.orderingKey, 'o-1');
        const published = message?.publishTime.getTime() ?? 0;
        assert.ok(published >= before - 1000 && published <= Date.now() + 1000, `publish time ${message?.publishTime.toISOString()}`);
      });

      it('rejects bad requests with INVALID_ARGUMENT', async () => {
        const { topic, subscription } = await topicWithSubscription();
        await assert.rejects(api.pull(subscription, 0, true), { code: 3 }, 'max_messages 0');
        await assert.rejects(api.publish(topic, []), { code: 3 }, 'no messages');
        await assert.rejects(api.createTopic(topicPath('x')), { code: 3 }, 'a name too short');
      });

      it('serves unary Pull and forgets acknowledged messages', async () => {
        const { topic, subscription } = await topicWithSubscription();
        const ids = await Promise.all([1, 2, 3].map((n) => publishOne(topic, `m${n}`)));
        const received = [];
        while (received.length < ids.length) received.push(...(await pullUntilAny(subscription, 15_000)));
        assert.deepEqual(received.map((r) => r.message.messageId).sort(), [...ids].sort());
        await api.acknowledge(
          subscription,
          received.map((r) => r.ackId),
        );
        await publishOne(topic, 'after');
        const [next] = await pullUntilAny(subscription, 15_000);
        assert.equal(next?.message.data.toString(), 'after', 'acked messages must not come back');
      });

      it('redelivers a message whose ack deadline passed', async () => {
        const { topic, subscription } = await topicWithSubscription();
        const id = await publishOne(topic, 'late');
        const [first] = await pullUntilAny(subscription, 15_000);
        const leasedAt = Date.now();
        assert.equal(first?.message.messageId, id);
        assert.equal((await pullNow(subscription)).length, 0, 'a leased message is not handed out again');
        const [again] = await pullUntilAny(subscription, deadlineS * 1000 + 15_000);
        assert.equal(again?.message.messageId, id);
        assert.ok(Date.now() - leasedAt >= deadlineS * 1000 - 500, `redelivered after ${Date.now() - leasedAt} ms, deadline ${deadlineS} s`);
        await api.acknowledge(subscription, [again?.ackId as string]);
      });

      it('extends a lease with ModifyAckDeadline', async () => {
        const { topic, subscription } = await topicWithSubscription();
        const extendedS = deadlineS + Math.max(2, deadlineS / 2);
        const id = await publishOne(topic, 'keep');
        const [first] = await pullUntilAny(subscription, 15_000);
        const leasedAt = Date.now();
        await api.modifyAckDeadline(subscription, [first?.ackId as string], extendedS);
        // Absence can only be shown by looking after the original deadline has passed.
        await sleep(deadlineS * 1000 + 1000 - (Date.now() - leasedAt));
        assert.equal((await pullNow(subscription)).length, 0, 'extended lease must outlive the original deadline');
        const [again] = await pullUntilAny(subscription, extendedS * 1000 + 15_000);
        assert.equal(again?.message.messageId, id);
        assert.ok(Date.now() - leasedAt >= extendedS * 1000 - 500, `redelivered after ${Date.now() - leasedAt} ms, extended to ${extendedS} s`);
        await api.acknowledge(subscription, [again?.ackId as string]);
      });

      it('pushes a wrapped message to the push endpoint and takes a 204 as its ack', async () => {
        const receiver = new PushReceiver();
        const pushEndpoint = await receiver.start();
        try {
          const { topic, subscription } = await topicWithSubscription({ pushConfig: { pushEndpoint } });
          assert.equal(((await api.getSubscription(subscription)).pushConfig as { pushEndpoint?: string }).pushEndpoint, pushEndpoint);
          const id = await publishOne(topic, 'pushed', { kind: 'order' });
          await receiver.waitFor(1);
          const [request] = receiver.requests;
          assert.match(String(request?.headers['content-type']), /^application\/json/);
          assert.equal(request?.json?.subscription, subscription);
          assert.equal(Buffer.from(request?.json?.message.data ?? '', 'base64').toString(), 'pushed');
          assert.deepEqual(request?.json?.message.attributes, { kind: 'order' });
          assert.equal(request?.json?.message.messageId, id);
          assert.ok(Math.abs(Date.parse(request?.json?.message.publishTime ?? '') - Date.now()) < 10_000, `publishTime ${request?.json?.message.publishTime}`);
          // Only the deadline passing without another request shows the 204 was taken as the ack.
          await sleep(deadlineS * 1000 + 1500);
          assert.equal(receiver.requests.length, 1, 'an acked push is not sent again');
        } finally {
          await receiver.close();
        }
      });

      it('retries a failed push and after an ack deadline without an answer', async () => {
        const receiver = new PushReceiver((_, index) => (index === 0 ? 503 : index === 1 ? sleep(deadlineS * 1000 + 2000).then(() => 204) : 204));
        const pushEndpoint = await receiver.start();
        try {
          const { topic } = await topicWithSubscription({ pushConfig: { pushEndpoint } });
          const id = await publishOne(topic, 'again');
          await receiver.waitFor(3, deadlineS * 1000 + 30_000);
          assert.deepEqual(
            receiver.requests.slice(0, 3).map((r) => r.json?.message.messageId),
            [id, id, id],
          );
          const timedOutAfter = (receiver.requests[2]?.at ?? 0) - (receiver.requests[1]?.at ?? 0);
          assert.ok(timedOutAfter >= deadlineS * 1000 - 500, `re-pushed ${timedOutAfter} ms after an unanswered request, deadline ${deadlineS} s`);
        } finally {
          await receiver.close();
        }
      });

      it('switches a subscription between pull and push with ModifyPushConfig', async () => {
        const receiver = new PushReceiver();
        const pushEndpoint = await receiver.start();
        try {
          const { topic, subscription } = await topicWithSubscription();
          const pulledId = await publishOne(topic, 'pull me');
          const [pulled] = await pullUntilAny(subscription, 15_000);
          assert.equal(pulled?.message.messageId, pulledId);
          await api.acknowledge(subscription, [pulled?.ackId as string]);
          await api.modifyPushConfig(subscription, { pushEndpoint });
          const pushedId = await publishOne(topic, 'push me');
          await receiver.waitFor(1);
          assert.equal(receiver.requests[0]?.json?.message.messageId, pushedId);
          await api.modifyPushConfig(subscription, {});
          const laterId = await publishOne(topic, 'pull me again');
          const [later] = await pullUntilAny(subscription, 15_000);
          assert.equal(later?.message.messageId, laterId);
          assert.equal(receiver.requests.length, 1, 'nothing pushed once the push config is cleared');
          await assert.rejects(api.modifyPushConfig(subscription, { pushEndpoint: 'ftp://example.test/push' }), { code: 3 }, 'INVALID_ARGUMENT');
        } finally {
          await receiver.close();
        }
      });

      it('pushes unwrapped messages: the data as the body, metadata and attributes as headers', async () => {
        const receiver = new PushReceiver();
        const pushEndpoint = await receiver.start();
        try {
          const { topic } = await topicWithSubscription({ pushConfig: { pushEndpoint, noWrapper: { writeMetadata: true } } });
          const [id] = await api.publish(topic, [{ data: Buffer.from('{"raw":true}'), attributes: { event_type: 'order_created' }, orderingKey: 'o-9' }]);
          await receiver.waitFor(1);
          const [request] = receiver.requests;
          assert.equal(request?.body.toString(), '{"raw":true}');
          assert.equal(request?.headers['x-goog-pubsub-message-id'], id);
          assert.ok(request?.headers['x-goog-pubsub-publish-time']);
          assert.equal(request?.headers.event_type, 'order_created');
        } finally {
          await receiver.close();
        }
      });

      it(
        'dead-letters a push message after max delivery attempts, with the retry policy backoff between them',
        { skip: entry.target?.limitations.retryPolicy ?? false },
        async () => {
          const receiver = new PushReceiver(() => 500);
          const pushEndpoint = await receiver.start();
          try {
            const dead = await topicWithSubscription();
            const backoffS = 1;
            const { topic } = await topicWithSubscription({
              pushConfig: { pushEndpoint },
              retryPolicy: { minimumBackoff: { seconds: backoffS }, maximumBackoff: { seconds: backoffS } },
              deadLetterPolicy: { deadLetterTopic: dead.topic, maxDeliveryAttempts: 5 },
            });
            const id = await publishOne(topic, 'always fails');
            const [forwarded] = await pullUntilAny(dead.subscription, 30_000);
            assert.equal(forwarded?.message.messageId !== id, true, 'the dead-letter topic gives the message an id of its own');
            assert.equal(forwarded?.message.data.toString(), 'always fails');
            assert.equal(forwarded?.message.attributes.CloudPubSubDeadLetterSourceDeliveryCount, '5');
            assert.deepEqual(
              receiver.requests.map((r) => r.json?.deliveryAttempt),
              [1, 2, 3, 4, 5],
            );
            const gaps = receiver.requests.slice(1).map((r, n) => r.at - (receiver.requests[n]?.at ?? 0));
            assert.ok(
              gaps.every((gap) => gap >= backoffS * 1000 - 100),
              `gaps between attempts ${gaps.join(', ')} ms, backoff ${backoffS} s`,
            );
          } finally {
            await receiver.close();
          }
        },
      );

      it('delivers only the messages the subscription filter matches', { skip: entry.target?.limitations.filter ?? false }, async () => {
        const { topic, subscription } = await topicWithSubscription({ filter: 'attributes.kind = "order" AND NOT attributes:test' });
        const [kept] = await api.publish(topic, [
          { data: Buffer.from('kept'), attributes: { kind: 'order' } },
          { data: Buffer.from('other kind'), attributes: { kind: 'refund' } },
          { data: Buffer.from('a test'), attributes: { kind: 'order', test: '1' } },
        ]);
        const [received] = await pullUntilAny(subscription, 15_000);
        assert.equal(received?.message.messageId, kept);
        await api.acknowledge(subscription, [received?.ackId as string]);
        assert.equal((await pullNow(subscription)).length, 0, 'filtered-out messages are acknowledged at once, never delivered');
        await assert.rejects(topicWithSubscription({ filter: 'attributes.kind == "order"' }), { code: 3 }, 'a malformed filter');
      });

      it("delivers an ordering key's messages in publish order", async () => {
        const { topic, subscription } = await topicWithSubscription({ enableMessageOrdering: true });
        const ids: string[] = [];
        for (let n = 1; n <= 4; n++) ids.push(...(await api.publish(topic, [{ data: Buffer.from(`step ${n}`), orderingKey: 'order-1' }])));
        const seen: string[] = [];
        while (seen.length < ids.length) {
          for (const received of await pullUntilAny(subscription, 15_000)) {
            seen.push(received.message.messageId);
            await api.acknowledge(subscription, [received.ackId]);
          }
        }
        assert.deepEqual(seen, ids);
      });

      it(
        'redelivers a nacked ordered message before the later messages of its key',
        { skip: entry.target?.limitations.orderedRedelivery ?? false },
        async () => {
          const { topic, subscription } = await topicWithSubscription({ enableMessageOrdering: true });
          const ids: string[] = [];
          for (let n = 1; n <= 4; n++) ids.push(...(await api.publish(topic, [{ data: Buffer.from(`step ${n}`), orderingKey: 'order-1' }])));
          const seen: string[] = [];
          const acked = new Set<string>();
          let nacked = false;
          for (let round = 0; acked.size < ids.length && round < 50; round++) {
            for (const received of await pullUntilAny(subscription, 15_000)) {
              const id = received.message.messageId;
              seen.push(id);
              if (!nacked && id === ids[1]) {
                nacked = true;
                await api.modifyAckDeadline(subscription, [received.ackId], 0);
              } else {
                await api.acknowledge(subscription, [received.ackId]);
                acked.add(id);
              }
            }
          }
          assert.deepEqual(
            seen.filter((id, index) => seen.indexOf(id) === index),
            ids,
            'first deliveries in publish order',
          );
          const again = seen.indexOf(ids[1] as string, seen.indexOf(ids[1] as string) + 1);
          assert.ok(again > 0, `the nacked message came again: ${seen.join(', ')}`);
          assert.ok(
            ids.slice(2).every((id) => seen.lastIndexOf(id) > again),
            `the key's later messages are delivered after the nacked one again: ${seen.join(', ')}`,
          );
        },
      );

      it('seeks to a time: earlier messages count as acked, later ones are delivered again', async () => {
        const { topic, subscription } = await topicWithSubscription();
        const [early] = await api.publish(topic, [{ data: Buffer.from('early') }]);
        // Publish times have millisecond resolution: leave a gap to seek into.
        await sleep(50);
        const seekTo = new Date();
        await sleep(50);
        const [late] = await api.publish(topic, [{ data: Buffer.from('late') }]);
        const leased = [];
        while (leased.length < 2) leased.push(...(await pullUntilAny(subscription, 15_000)));
        assert.deepEqual(leased.map((r) => r.message.messageId).sort(), [early, late].sort());
        await api.seek(subscription, seekTo);
        // Redelivered at once, not after the ack deadline.
        const [again] = await pullUntilAny(subscription, (deadlineS * 1000) / 2);
        assert.equal(again?.message.messageId, late);
        await api.acknowledge(subscription, [again?.ackId as string]);
        assert.equal((await pullNow(subscription)).length, 0, 'the message before the seek time is acked');
      });

      it('dead-letters a message after max delivery attempts with the source attributes', async (t) => {
        const dead = await topicWithSubscription();
        const { topic, subscription } = await topicWithSubscription({ deadLetterPolicy: { deadLetterTopic: dead.topic, maxDeliveryAttempts: 5 } });
        const publishedAt = Date.now();
        const id = await publishOne(topic, 'poison', { origin: 'test' });
        const attempts: number[] = [];
        for (let attempt = 1; attempt <= 5; attempt++) {
          const [received] = await pullUntilAny(subscription, 15_000);
          assert.equal(received?.message.messageId, id);
          attempts.push(received?.deliveryAttempt ?? 0);
          await api.modifyAckDeadline(subscription, [received?.ackId as string], 0);
        }
        assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
        // gcloud's emulator forwards when the source is next pulled; the service forwards on its own.
        assert.equal((await pullNow(subscription)).length, 0, 'a dead-lettered message leaves the source subscription');
        const [forwarded] = await pullUntilAny(dead.subscription, 20_000);
        const attributes = forwarded?.message.attributes ?? {};
        assert.equal(forwarded?.message.data.toString(), 'poison');
        assert.equal(attributes.origin, 'test');
        assert.equal(attributes.CloudPubSubDeadLetterSourceDeliveryCount, '5');
        assert.equal(attributes.CloudPubSubDeadLetterSourceSubscription, subscription.split('/').pop());
        assert.equal(attributes.CloudPubSubDeadLetterSourceSubscriptionProject, PROJECT);
        const sourcePublishTime = Date.parse(attributes.CloudPubSubDeadLetterSourceTopicPublishTime ?? '');
        assert.ok(Math.abs(sourcePublishTime - publishedAt) < 5000, `source publish time ${attributes.CloudPubSubDeadLetterSourceTopicPublishTime}`);
        assert.equal((await pullNow(subscription)).length, 0, 'and does not come back');
        t.diagnostic(`dead-lettered after ${attempts.length} attempts`);
      });
    });
  }

  describe(`Pub/Sub conformance: ${entry.name} StreamingPull (gRPC)`, { skip: entry.skip ?? false, concurrency: true }, () => {
    let clients: TargetClients;
    let deadlineS: number;

    before(() => {
      const target = entry.target as NonNullable<typeof entry.target>;
      clients = new TargetClients(target);
      deadlineS = target.minAckDeadlineSeconds;
    });
    after(() => clients.close());

    async function topicWithSubscription(options: Parameters<Topic['createSubscription']>[1] = {}): Promise<[Topic, Subscription]> {
      const [topic] = await clients.pubsub.createTopic(uniqueId('topic'));
      const [subscription] = await topic.createSubscription(uniqueId('sub'), { ackDeadlineSeconds: deadlineS, ...options });
      return [topic, subscription];
    }

    it('delivers data, attributes, ordering key, message id and publish time over StreamingPull', async () => {
      const [topic, subscription] = await topicWithSubscription();
      topic.setPublishOptions({ messageOrdering: true });
      const before = Date.now();
      const id = await topic.publishMessage({
        data: Buffer.from('{"order_id":"o-1"}'),
        attributes: { source: 'conformance', kind: 'order' },
        orderingKey: 'o-1',
      });
      const [message] = (await collect(subscription, 1, 20_000)) as [Message];
      message.ack();
      await subscription.close();
      assert.equal(message.id, id);
      assert.equal(message.data.toString(), '{"order_id":"o-1"}');
      assert.deepEqual({ ...message.attributes }, { source: 'conformance', kind: 'order' });
      assert.equal(message.orderingKey, 'o-1');
      const published = message.publishTime.getTime();
      assert.ok(published >= before - 1000 && published <= Date.now() + 1000, `publish time ${message.publishTime.toISOString()}`);
    });

    it('redelivers a nacked message at once', async () => {
      const [topic, subscription] = await topicWithSubscription();
      const id = await topic.publishMessage({ data: Buffer.from('nack me') });
      const deliveries: { id: string; at: number }[] = [];
      const done = new Promise<void>((resolve) => {
        subscription.on('message', (message: Message) => {
          deliveries.push({ id: message.id, at: Date.now() });
          if (deliveries.length === 1) message.nack();
          else {
            message.ack();
            resolve();
          }
        });
      });
      await done;
      await subscription.close();
      assert.deepEqual(
        deliveries.map((d) => d.id),
        [id, id],
      );
      const gap = (deliveries[1]?.at ?? 0) - (deliveries[0]?.at ?? 0);
      assert.ok(gap < deadlineS * 1000, `nack redelivery took ${gap} ms, not sooner than the ${deadlineS} s deadline`);
    });

    it('takes nacks and acks sent on the StreamingPull stream itself', async () => {
      const [topic, subscription] = await topicWithSubscription();
      const subId = subscription.name.split('/').pop() as string;
      // The Node client acks by unary RPC; other clients ack on the stream, so drive the raw stream.
      const stream = clients.subscriber.streamingPull();
      const received: { ackId: string; id: string }[] = [];
      let wake: (() => void) | null = null;
      stream.on('data', (response: { receivedMessages?: { ackId?: string | null; message?: { messageId?: string | null } | null }[] }) => {
        for (const r of response.receivedMessages ?? []) received.push({ ackId: r.ackId ?? '', id: r.message?.messageId ?? '' });
        wake?.();
      });
      const streamEnded = new Promise<void>((resolve) => {
        stream.on('error', () => resolve());
        stream.on('end', () => resolve());
      });
      const waitFor = (count: number) =>
        new Promise<void>((resolve) => {
          wake = () => received.length >= count && resolve();
          wake();
        });
      stream.write({ subscription: subscription.name, streamAckDeadlineSeconds: deadlineS });
      const id = await topic.publishMessage({ data: Buffer.from('on the stream') });
      await waitFor(1);
      stream.write({ modifyDeadlineAckIds: [received[0]?.ackId], modifyDeadlineSeconds: [0] });
      await waitFor(2);
      assert.deepEqual(
        received.map((r) => r.id),
        [id, id],
        'a nack on the stream redelivers',
      );
      stream.write({ ackIds: [received[1]?.ackId] });
      // Only the deadline passing without a redelivery shows the ack was taken.
      await sleep(deadlineS * 1000 + 1000);
      assert.equal(received.length, 2, 'an ack on the stream is final');
      assert.equal((await clients.pullNow(subId)).length, 0);
      stream.end();
      await streamEnded;
    });

    it('shares one subscription between two subscribers without delivering a message to both', async () => {
      const [topic, subscription] = await topicWithSubscription();
      const count = 200;
      const seen = new Map<string, string[]>();
      const options = { flowControl: { maxMessages: 20, allowExcessMessages: false }, streamingOptions: { maxStreams: 1 } };
      const subscribers = [clients.newPubSub().subscription(subscription.name, options), clients.newPubSub().subscription(subscription.name, options)];
      const allDone = new Promise<void>((resolve) => {
        subscribers.forEach((subscriber, index) => {
          subscriber.on('message', (message: Message) => {
            seen.set(message.id, [...(seen.get(message.id) ?? []), `subscriber-${index}`]);
            // Slow consumers, so neither can drain the backlog alone.
            setTimeout(() => {
              message.ack();
              if (seen.size === count) resolve();
            }, 5);
          });
        });
      });
      const ids = await Promise.all(Array.from({ length: count }, (_, n) => topic.publishMessage({ data: Buffer.from(`share-${n}`) })));
      await allDone;
      await Promise.all(subscribers.map((subscriber) => subscriber.close()));
      assert.deepEqual([...seen.keys()].sort(), [...ids].sort());
      const twice = [...seen.entries()].filter(([, by]) => by.length > 1);
      assert.deepEqual(twice, [], 'no message delivered twice while acked within its deadline');
      const perSubscriber = [0, 1].map((index) => [...seen.values()].filter((by) => by[0] === `subscriber-${index}`).length);
      assert.ok(
        perSubscriber.every((n) => n > 0),
        `both subscribers got messages: ${perSubscriber.join(' / ')}`,
      );
    });

    it('limits outstanding StreamingPull messages to the client flow control', { skip: entry.target?.limitations.streamingFlowControl ?? false }, async () => {
      const [topic, subscription] = await topicWithSubscription();
      const limit = 5;
      await Promise.all(Array.from({ length: 30 }, (_, n) => topic.publishMessage({ data: Buffer.from(`flow-${n}`) })));
      // allowExcessMessages hands on whatever the server sends, so any excess would show up here.
      const subscriber = clients.pubsub.subscription(subscription.name, {
        flowControl: { maxMessages: limit, allowExcessMessages: true },
        streamingOptions: { maxStreams: 1 },
      });
      const received: Message[] = [];
      let onCount: (() => void) | null = null;
      let wanted = limit;
      subscriber.on('message', (message: Message) => {
        received.push(message);
        if (received.length >= wanted) onCount?.();
      });
      const reach = (n: number) =>
        new Promise<void>((resolve) => {
          wanted = n;
          onCount = resolve;
          if (received.length >= n) resolve();
        });
      await reach(limit);
      // Nothing more may arrive while those are outstanding; that can only be shown over a window.
      await sleep(1500);
      assert.equal(received.length, limit, `received ${received.length} with ${limit} outstanding allowed`);
      for (const message of received) message.ack();
      await reach(2 * limit);
      await sleep(1500);
      assert.equal(received.length, 2 * limit, 'acking frees exactly the acked number of slots');
      for (const message of received.slice(limit)) message.ack();
      await subscriber.close();
    });
  });
}
