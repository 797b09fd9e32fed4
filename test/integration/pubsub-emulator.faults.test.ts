import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { type Message, PubSub } from '@google-cloud/pubsub';
import { type FaultOptions, startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';
import { seededRandom } from '../../local/emulator/faults.ts';
import { OperationalError } from '../../common/errors.ts';
import { uniqueId } from '../helpers/pubsub-targets.ts';

const PROJECT = 'orderflow-faults';

async function withEmulator(faults: Partial<FaultOptions>) {
  const emulator = await startEmulator({ faults });
  const pubsub = new PubSub({ apiEndpoint: emulator.address, emulatorMode: true, projectId: PROJECT });
  const [topic] = await pubsub.createTopic(uniqueId('topic'));
  const [subscription] = await topic.createSubscription(uniqueId('sub'));
  const close = async () => {
    await subscription.close();
    await pubsub.close();
    await emulator.close();
  };
  return { emulator, pubsub, topic, subscription, close };
}

/** Acks every message and resolves once `until` says the deliveries so far are enough. */
function receiveUntil(subscription: { on(event: 'message', listener: (m: Message) => void): unknown }, until: (ids: string[]) => boolean): Promise<string[]> {
  return new Promise((resolve) => {
    const ids: string[] = [];
    subscription.on('message', (message: Message) => {
      ids.push(message.id);
      message.ack();
      if (until(ids)) resolve(ids);
    });
  });
}

const publishMany = (topic: { publishMessage(m: { data: Buffer }): Promise<string> }, count: number) =>
  Promise.all(Array.from({ length: count }, (_, n) => topic.publishMessage({ data: Buffer.from(`m-${n}`) })));

describe('Pub/Sub emulator fault injection', () => {
  it('delivers every acked message once more with duplicateRate 1', async () => {
    const env = await withEmulator({ duplicateRate: 1 });
    try {
      const ids = await publishMany(env.topic, 20);
      const received = await receiveUntil(env.subscription, (got) => got.length === 40);
      const counts = new Map<string, number>();
      for (const id of received) counts.set(id, (counts.get(id) ?? 0) + 1);
      assert.deepEqual([...counts.keys()].sort(), [...ids].sort());
      assert.ok(
        [...counts.values()].every((n) => n === 2),
        'each message exactly twice',
      );
    } finally {
      await env.close();
    }
  });

  it('duplicates the fraction of acks the seeded generator picks', async () => {
    // One draw per first ack, in any order: the seed alone decides how many duplicates come.
    const draw = seededRandom(42);
    const expected = Array.from({ length: 200 }, () => draw()).filter((x) => x < 0.3).length;
    const env = await withEmulator({ duplicateRate: 0.3, seed: 42 });
    try {
      await publishMany(env.topic, 200);
      const received = await receiveUntil(env.subscription, (got) => got.length === 200 + expected);
      assert.equal(new Set(received).size, 200);
      assert.ok(expected > 30 && expected < 90, `${expected} duplicates expected at rate 0.3`);
    } finally {
      await env.close();
    }
  });

  it('holds deliveries back by delayMs', async () => {
    const env = await withEmulator({ delayMs: 400 });
    try {
      const started = Date.now();
      await env.topic.publishMessage({ data: Buffer.from('slow') });
      await receiveUntil(env.subscription, (got) => got.length === 1);
      assert.ok(Date.now() - started >= 380, `delivered after ${Date.now() - started} ms`);
    } finally {
      await env.close();
    }
  });

  it('drops streams after dropStreamEvery messages and the client still gets everything', async () => {
    const env = await withEmulator({ dropStreamEvery: 5 });
    try {
      // Small flow control, so the 30 messages need several streams' worth of deliveries.
      const subscriber = env.pubsub.subscription(env.subscription.name, {
        flowControl: { maxMessages: 2, allowExcessMessages: false },
        streamingOptions: { maxStreams: 1 },
      });
      const ids = await publishMany(env.topic, 30);
      const received = await receiveUntil(subscriber, (got) => ids.every((id) => got.includes(id)));
      await subscriber.close();
      assert.ok(received.length >= 30);
      assert.ok(env.emulator.streams().opened >= 3, `streams opened: ${env.emulator.streams().opened}`);
    } finally {
      await env.close();
    }
  });

  it('drops open streams on demand and the client reconnects', async () => {
    const env = await withEmulator({});
    try {
      const received: string[] = [];
      const waiters: (() => void)[] = [];
      env.subscription.on('message', (message: Message) => {
        received.push(message.id);
        message.ack();
        waiters.splice(0).forEach((wake) => wake());
      });
      const next = () => new Promise<void>((resolve) => waiters.push(resolve));
      const first = next();
      await env.topic.publishMessage({ data: Buffer.from('before') });
      await first;
      const openBefore = env.emulator.streams().opened;
      assert.ok(env.emulator.dropStreams() >= 1);
      const second = next();
      const id = await env.topic.publishMessage({ data: Buffer.from('after') });
      await second;
      assert.equal(received.at(-1), id);
      assert.ok(env.emulator.streams().opened > openBefore, 'the client opened new streams');
    } finally {
      await env.close();
    }
  });

  it('rejects fault rates outside 0..1', async () => {
    await assert.rejects(startEmulator({ faults: { duplicateRate: 2 } }), /duplicateRate must be between 0 and 1/);
  });
});

describe('Pub/Sub emulator in-process API', () => {
  let emulator: RunningEmulator | undefined;
  after(() => emulator?.close());

  it('picks a free port for port 0 and refuses a taken one with an OperationalError', async () => {
    emulator = await startEmulator({ port: 0 });
    assert.ok(emulator.port > 0);
    assert.equal(emulator.address, `127.0.0.1:${emulator.port}`);
    await assert.rejects(startEmulator({ port: emulator.port }), (error: unknown) => error instanceof OperationalError && /already in use/.test(error.message));
  });

  it('stops listening on close', async () => {
    const running = await startEmulator();
    await running.close();
    // Nothing answers on the port any more: a connection is refused.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(running.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    assert.equal(refused, 'ECONNREFUSED');
    await assert.doesNotReject(running.close(), 'a second close is harmless');
    // The port is free again: a new emulator can listen on it.
    const again = await startEmulator({ port: running.port });
    assert.equal(again.port, running.port);
    await again.close();
  });
});
