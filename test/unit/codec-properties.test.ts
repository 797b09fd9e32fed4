import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodePublishRequest, encodeReceivedMessages } from '../../local/emulator/codec.ts';
import { stampMessages } from '../../local/emulator/message.ts';
import { loadPubSubRoot } from '../../local/emulator/proto.ts';
import { PushRequestError } from '../../streaming/errors.ts';
import { RecentIds } from '../../streaming/pipeline/recent-ids.ts';
import { pushMessage } from '../../streaming/source/push-message.ts';

// Issue 19.5: property tests where a hand-picked example proves little. The oracle for the
// emulator's hand-written wire codec is protobufjs with Pub/Sub's own .proto files.
const root = loadPubSubRoot();
const PublishRequest = root.lookupType('google.pubsub.v1.PublishRequest');
const PullResponse = root.lookupType('google.pubsub.v1.PullResponse');

const pubsubMessage = fc.record({
  data: fc.uint8Array({ maxLength: 64 }),
  attributes: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 4 }),
  orderingKey: fc.string({ maxLength: 8 }),
});

const plain = (message: protobuf.Message) => PublishRequest.toObject(message, { defaults: true, bytes: Array, longs: String });

test('the emulator reads every PublishRequest protobufjs writes, and its responses read back as Pub/Sub PullResponses', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 40 }),
      fc.array(pubsubMessage, { maxLength: 6 }),
      fc.integer({ min: 0, max: 2_000_000_000_000 }),
      fc.boolean(),
      fc.nat({ max: 1000 }),
      (topic, messages, publishTimeMs, withAttempt, attempts) => {
        const request = Buffer.from(
          PublishRequest.encode(PublishRequest.fromObject({ topic, messages: messages.map((m) => ({ ...m, data: Buffer.from(m.data) })) })).finish(),
        );
        const decoded = decodePublishRequest(request);
        assert.equal(decoded.topic, topic);
        assert.equal(decoded.messages.length, messages.length);

        const stored = stampMessages(decoded.messages, publishTimeMs);
        const response = encodeReceivedMessages(
          stored.map((message, i) => ({ ackId: `ack-${i}`, message, attempts })),
          withAttempt,
        );
        const read = PullResponse.toObject(PullResponse.decode(response), { defaults: true, bytes: Array, longs: String }) as {
          receivedMessages: {
            ackId: string;
            deliveryAttempt: number;
            message: {
              data: number[];
              attributes: Record<string, string>;
              orderingKey: string;
              messageId: string;
              publishTime: { seconds: string; nanos: number };
            };
          }[];
        };
        assert.equal(read.receivedMessages.length, messages.length);
        read.receivedMessages.forEach((received, i) => {
          const sent = plain(PublishRequest.fromObject({ messages: [{ ...messages[i], data: Buffer.from(messages[i]!.data) }] })).messages[0];
          assert.equal(received.ackId, `ack-${i}`);
          assert.equal(received.deliveryAttempt, withAttempt ? attempts : 0);
          assert.deepEqual(received.message.data, sent.data);
          assert.deepEqual(received.message.attributes, sent.attributes);
          assert.equal(received.message.orderingKey, sent.orderingKey);
          assert.equal(received.message.messageId, stored[i]!.id);
          assert.deepEqual(received.message.publishTime, { seconds: String(Math.floor(publishTimeMs / 1000)), nanos: (publishTimeMs % 1000) * 1_000_000 });
        });
      },
    ),
  );
});

const header = fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), fc.constant(undefined));
const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'x-goog-pubsub-message-id',
      'x-goog-pubsub-publish-time',
      'x-goog-pubsub-ordering-key',
      'x-goog-pubsub-subscription-name',
      'content-type',
      'event_type',
    ),
    fc.string({ minLength: 1, maxLength: 12 }),
  ),
  header,
  { maxKeys: 5 },
);
const envelope = fc.record(
  {
    message: fc.oneof(
      fc.constant(null),
      fc.anything(),
      fc.record(
        {
          data: fc.oneof(fc.base64String(), fc.anything()),
          messageId: fc.oneof(fc.string(), fc.anything()),
          publishTime: fc.oneof(
            fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
            fc.anything(),
          ),
          attributes: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    ),
    subscription: fc.oneof(fc.string(), fc.anything()),
    deliveryAttempt: fc.anything(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  fc.json().map((j) => Buffer.from(j)),
  envelope.map((e) => Buffer.from(JSON.stringify(e) ?? 'null')),
);

test('the push decoder returns a message or throws its own PushRequestError (HTTP 400), whatever arrives', () => {
  fc.assert(
    fc.property(body, headers, (bytes, hdrs) => {
      try {
        const message = pushMessage(bytes, hdrs, new Date(0));
        assert.equal(typeof message.id, 'string');
        assert.ok(message.id.length > 0, 'a stored message has an id');
      } catch (error) {
        if (!(error instanceof PushRequestError)) throw error;
      }
    }),
    { numRuns: 2000 },
  );
});

test('the recent-ids cache is the last `capacity` distinct ids, least recently seen evicted first', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.tuple(fc.constantFrom('has', 'add'), fc.integer({ min: 0, max: 12 }).map(String)), { maxLength: 200 }),
      (capacity, operations) => {
        const cache = new RecentIds(capacity);
        let model: string[] = [];
        const touch = (id: string) => (model = [...model.filter((m) => m !== id), id]);
        for (const [operation, id] of operations) {
          if (operation === 'has') {
            const expected = model.includes(id);
            assert.equal(cache.has(id), expected);
            if (expected) touch(id);
          } else {
            touch(id);
            if (model.length > capacity) model = model.slice(1);
            cache.add(id);
          }
          assert.equal(cache.size, model.length);
        }
      },
    ),
  );
});
