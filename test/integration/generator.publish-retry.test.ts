import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { PubSubOutput } from '../../generator/outputs/pubsub-output.ts';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';
import { GrpcApi } from '../helpers/pubsub-api.ts';

// Issue 19.3: a publish is retried by the Pub/Sub client, bounded by a publish timeout (60 s by default), not by a
// loop of our own on top of the client's (which held a failing message for up to 5 x 600 s).
const PROJECT = 'retry';
let emulator: RunningEmulator;
let api: GrpcApi;
let rejections = 0;
let rejected: () => void = () => undefined;

before(async () => {
  // 10 kB held at most: a publish past it is RESOURCE_EXHAUSTED until messages are acked.
  emulator = await startEmulator({ maxHeldBytes: 10_000 });
  process.env.PUBSUB_EMULATOR_HOST = emulator.address;
  api = new GrpcApi(emulator.address, PROJECT);
  // Each refused publish is an event the test can await (no clock involved).
  const broker = emulator.broker as unknown as { route: (...args: unknown[]) => void };
  const route = broker.route.bind(broker);
  broker.route = (...args) => {
    try {
      route(...args);
    } catch (error) {
      rejections += 1;
      rejected();
      throw error;
    }
  };
});
after(async () => {
  await api.close();
  await emulator.close();
  delete process.env.PUBSUB_EMULATOR_HOST;
});

async function fullTopic(name: string): Promise<string> {
  const topic = `projects/${PROJECT}/topics/${name}`;
  const subscription = `projects/${PROJECT}/subscriptions/${name}`;
  await api.createTopic(topic);
  await api.createSubscription({ name: subscription, topic });
  await api.publish(topic, [{ data: Buffer.alloc(9000, 'x') }]);
  return subscription;
}

function output(topic: string, publishTimeoutMs: number) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return {
    lines,
    output: new PubSubOutput({ projectId: PROJECT, topic, maxInFlight: 10, ordering: false, publishTimeoutMs, logger: createLogger({ destination }) }),
  };
}

test('a transient refusal is retried by the client until it clears: the message is published once', async () => {
  const subscription = await fullTopic('clears');
  const { output: out } = output('clears', 30_000);
  const firstRefusal = new Promise<void>((resolve) => (rejected = resolve));
  const before = rejections;
  const settled = new Promise<unknown>((resolve) => void out.send({ data: Buffer.alloc(2000, 'y'), attributes: { event_id: 'e1' }, orderingKey: '' }, resolve));
  await firstRefusal;
  assert.ok(rejections > before, 'the first attempt was refused');
  // Room again: the client's next retry goes through.
  const [held] = await api.pull(subscription, 10, true);
  await api.acknowledge(subscription, [held!.ackId as string]);
  assert.ok('messageId' in ((await settled) as object), 'published after the retry');
  assert.deepEqual(await out.close(), { published: 1, failed: 0 });
  const [delivered] = await api.pull(subscription, 10, true);
  assert.equal((delivered!.message as { data: Buffer }).data.length, 2000);
  await api.acknowledge(subscription, [delivered!.ackId as string]);
});

test('a refusal that persists ends the publish after its publish timeout: failed, logged, not retried for minutes', async () => {
  await fullTopic('persists');
  const { output: out, lines } = output('persists', 1500);
  const started = performance.now();
  const result = await new Promise<unknown>(
    (resolve) => void out.send({ data: Buffer.alloc(2000, 'z'), attributes: { event_id: 'e2' }, orderingKey: '' }, resolve),
  );
  const took = performance.now() - started;
  assert.ok('error' in (result as object), 'the publish failed');
  assert.match(String((result as { error: Error }).error.message), /RESOURCE_EXHAUSTED|limit of 10000|exceeded/i);
  // Bounded by the timeout (plus one backoff step), far from the client's 600 s default.
  assert.ok(took < 30_000, `gave up after ${Math.round(took)} ms`);
  assert.deepEqual(await out.close(), { published: 0, failed: 1 });
  assert.ok(lines.some((line) => line.message === 'publish failed' && line.event_id === 'e2'));
});
