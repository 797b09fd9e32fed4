import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Message, PubSub } from '@google-cloud/pubsub';
import { startEmulator } from '../../local/emulator/index.ts';
import { uniqueId } from '../helpers/pubsub-targets.ts';

test('three subscribers with five streams each receive 20k messages exactly once and leave no backlog', async () => {
  const emulator = await startEmulator();
  const clients = [0, 1, 2].map(() => new PubSub({ apiEndpoint: emulator.address, emulatorMode: true, projectId: 'orderflow-load' }));
  try {
    const [topic] = await (clients[0] as PubSub).createTopic(uniqueId('topic'));
    const [created] = await topic.createSubscription(uniqueId('sub'));
    const count = 20_000;
    const deliveries = new Map<string, number>();
    const perSubscriber: number[] = [0, 0, 0];
    const subscribers = clients.map((client) => client.subscription(created.name, { flowControl: { maxMessages: 500 } }));
    const allReceived = new Promise<void>((resolve) => {
      subscribers.forEach((subscriber, index) => {
        subscriber.on('message', (message: Message) => {
          deliveries.set(message.id, (deliveries.get(message.id) ?? 0) + 1);
          perSubscriber[index] = (perSubscriber[index] ?? 0) + 1;
          message.ack();
          if (deliveries.size === count) resolve();
        });
      });
    });
    const payload = Buffer.alloc(1024, 'o');
    for (let sent = 0; sent < count; sent += 2000) await Promise.all(Array.from({ length: 2000 }, () => topic.publishMessage({ data: payload })));
    await allReceived;
    // close() flushes the clients' batched acks.
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
    assert.deepEqual(
      [...deliveries.values()].filter((n) => n !== 1),
      [],
      'no message delivered twice',
    );
    assert.ok(
      perSubscriber.every((n) => n > 0),
      `load shared: ${perSubscriber.join(' / ')}`,
    );
    assert.equal(emulator.broker.getSubscription(created.name).backlog, 0, 'every ack arrived');
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await emulator.close();
  }
});
