import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { protos } from '@google-cloud/pubsub';
import { decodePublishRequest, encodePublishResponse, encodeReceivedMessages } from '../../local/emulator/codec.ts';
import { DeadlineWheel } from '../../local/emulator/deadline-wheel.ts';
import { Deque } from '../../local/emulator/deque.ts';
import { resolveFaults } from '../../local/emulator/faults.ts';
import { isEmptyMessage, messageBytes, stampMessages, type StoredMessage } from '../../local/emulator/message.ts';

const { PubsubMessage, PublishRequest, PublishResponse, PullResponse } = protos.google.pubsub.v1;

describe('Deque', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const deque = new Deque<number>();
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) {
        deque.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < 5; i++) assert.equal(deque.shift(), expected.shift());
    }
    assert.equal(deque.length, expected.length);
    while (deque.length > 0) assert.equal(deque.shift(), expected.shift());
    assert.equal(deque.shift(), undefined);
  });
});

describe('DeadlineWheel', () => {
  it('fires items once their time has passed, in time order, and never removed ones', async () => {
    const fired: string[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const wheel = new DeadlineWheel<{ slot: number; name: string }>((due) => {
      fired.push(...due.map((item) => item.name));
      if (fired.includes('late')) done();
    }, 10);
    const now = Date.now();
    const late = { slot: -1, name: 'late' };
    const early = { slot: -1, name: 'early' };
    const removed = { slot: -1, name: 'removed' };
    const moved = { slot: -1, name: 'moved' };
    wheel.add(late, now + 120);
    wheel.add(early, now + 30);
    wheel.add(removed, now + 40);
    wheel.add(moved, now + 20);
    wheel.remove(removed);
    wheel.add(moved, now + 200);
    // The wheel's timer is unref'd (a lease alone must not keep a process up): hold the loop open.
    const keepAlive = setTimeout(() => assert.fail('wheel never fired'), 5000);
    await finished;
    clearTimeout(keepAlive);
    assert.deepEqual(fired, ['early', 'late']);
    assert.ok(Date.now() - now >= 110);
    wheel.clear();
  });
});

describe('wire codec', () => {
  it('stamps id and publish time onto the client bytes, keeping data, attributes and ordering key', () => {
    const raw = Buffer.from(PubsubMessage.encode({ data: Buffer.from('payload'), attributes: { a: '1' }, orderingKey: 'k' }).finish());
    const [stored, second] = stampMessages([raw, raw], Date.UTC(2026, 0, 2, 3, 4, 5, 678), { extra: 'yes' });
    const decoded = PubsubMessage.decode(messageBytes(stored as StoredMessage));
    assert.equal(Buffer.from(decoded.data).toString(), 'payload');
    assert.deepEqual({ ...decoded.attributes }, { a: '1', extra: 'yes' });
    assert.equal(decoded.orderingKey, 'k');
    assert.match(decoded.messageId, /^\d+$/);
    assert.equal(Number(PubsubMessage.decode(messageBytes(second as StoredMessage)).messageId), Number(decoded.messageId) + 1, 'ids increase');
    assert.equal(Number(decoded.publishTime?.seconds), Date.UTC(2026, 0, 2, 3, 4, 5) / 1000);
    assert.equal(decoded.publishTime?.nanos, 678_000_000);
  });

  it('lets a restamp override the earlier id and time, zero nanos included', () => {
    const [first] = stampMessages([Buffer.from(PubsubMessage.encode({ data: Buffer.from('x') }).finish())], 1_000_500);
    const [restamped] = stampMessages([messageBytes(first as StoredMessage)], 2_000_000);
    const second = PubsubMessage.decode(messageBytes(restamped as StoredMessage));
    assert.equal(second.messageId, restamped?.id);
    assert.notEqual(second.messageId, first?.id);
    assert.equal(Number(second.publishTime?.seconds), 2000);
    assert.equal(second.publishTime?.nanos, 0);
  });

  it('decodes PublishRequest into the topic and raw messages, and encodes the response', () => {
    const request = PublishRequest.encode({ topic: 'projects/p/topics/t-1', messages: [{ data: Buffer.from('a') }, { attributes: { k: 'v' } }, {}] }).finish();
    const decoded = decodePublishRequest(Buffer.from(request));
    assert.equal(decoded.topic, 'projects/p/topics/t-1');
    assert.deepEqual(decoded.messages.map(isEmptyMessage), [false, false, true]);
    assert.deepEqual(PublishResponse.decode(encodePublishResponse({ messageIds: ['1', '22'] })).messageIds, ['1', '22']);
  });

  it('encodes received messages with delivery attempts only when asked', () => {
    const [message] = stampMessages([Buffer.from(PubsubMessage.encode({ data: Buffer.from('m') }).finish())], 0) as [StoredMessage];
    const withAttempt = PullResponse.decode(encodeReceivedMessages([{ ackId: 'a-1', message, attempts: 3 }], true));
    assert.equal(withAttempt.receivedMessages[0]?.ackId, 'a-1');
    assert.equal(withAttempt.receivedMessages[0]?.deliveryAttempt, 3);
    assert.equal(withAttempt.receivedMessages[0]?.message?.messageId, message.id);
    const without = PullResponse.decode(encodeReceivedMessages([{ ackId: 'a-2', message, attempts: 3 }], false));
    assert.equal(without.receivedMessages[0]?.deliveryAttempt, 0);
  });
});

describe('resolveFaults', () => {
  it('is all off by default and delays every delivery when only delayMs is given', () => {
    assert.deepEqual(resolveFaults(), { duplicateRate: 0, delayRate: 0, delayMs: 0, dropStreamEvery: 0, seed: 1 });
    assert.equal(resolveFaults({ delayMs: 100 }).delayRate, 1);
    assert.equal(resolveFaults({ delayMs: 100, delayRate: 0.5 }).delayRate, 0.5);
    assert.throws(() => resolveFaults({ dropStreamEvery: -1 }), /dropStreamEvery must be a non-negative integer/);
  });
});
