import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { runCli } from '../helpers/cli.ts';
import { embeddedTarget, gcloudTarget, uniqueId, type TargetOrSkip } from '../helpers/pubsub-targets.ts';

const FIXED = ['--seed', '7', '--start-time', '2026-11-20T00:00:00Z', '--duplicate-rate', '0.05', '--invalid-rate', '0.05', '--update-rate', '0.2'];
const COUNT = 600;
const targets: TargetOrSkip[] = [await embeddedTarget(), await gcloudTarget()];
console.log(`generator publish tests run against: ${targets.map((t) => (t.target ? t.name : `${t.name} (skipped: ${t.skip})`)).join(', ')}`);
after(() => Promise.all(targets.map((t) => t.target?.close())));

async function receiveAll(pubsub: PubSub, subscription: string, count: number): Promise<Message[]> {
  const received: Message[] = [];
  const sub = pubsub.subscription(subscription);
  await new Promise<void>((resolve, reject) => {
    sub.on('error', reject);
    sub.on('message', (message: Message) => {
      message.ack();
      received.push(message);
      if (received.length === count) resolve();
    });
  });
  await sub.close();
  return received;
}

for (const entry of targets) {
  describe(`orderflow generate --out pubsub (${entry.name})`, { skip: entry.skip ?? false }, () => {
    const projectId = 'orderflow-test';
    let pubsub: PubSub;
    before(() => {
      pubsub = new PubSub({ projectId, apiEndpoint: entry.target!.address, emulatorMode: true });
    });
    after(() => pubsub?.close());

    test('publishes every message with its attributes and, by default, no ordering key (the fast path), the same bytes as stdout', async () => {
      const topic = uniqueId('orders');
      const [created] = await pubsub.createTopic(topic);
      await created.createSubscription(`${topic}-sub`);
      const env = { PUBSUB_EMULATOR_HOST: entry.target!.address };
      const [published, printed] = await Promise.all([
        runCli(['generate', '--count', String(COUNT), ...FIXED, '--out', 'pubsub', '--project', projectId, '--topic', topic], { env }),
        runCli(['generate', '--count', String(COUNT), ...FIXED]),
      ]);
      assert.equal(published.code, 0, published.stderr);
      const summary = published.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((l) => l.message === 'generator finished');
      assert.deepEqual([summary.published, summary.failed], [COUNT, 0]);

      const messages = await receiveAll(pubsub, `${topic}-sub`, COUNT);
      const expected = splitLines(printed.stdout); // as bytes: some messages are deliberately not UTF-8
      const key = (data: Buffer) => data.toString('base64');
      assert.deepEqual(messages.map((m) => key(m.data)).sort(), expected.map((data) => key(data)).sort());
      for (const message of messages) {
        const { event_id, event_type, schema_version, expected_error } = message.attributes;
        assert.match(event_id!, /^[0-9a-f]{32}\.\d+$/);
        assert.match(event_type!, /^order_(created|updated)$/);
        assert.equal(schema_version, '1');
        assert.equal(message.orderingKey, '');
        if (!expected_error) assert.equal(JSON.parse(message.data.toString()).event_id, event_id);
      }
      assert.ok(
        messages.some((m) => m.attributes.expected_error),
        'invalid messages carry expected_error',
      );
    });

    test("--ordering-key sets order_id as each message's ordering key", async () => {
      const topic = uniqueId('ordered');
      const [created] = await pubsub.createTopic(topic);
      await created.createSubscription(`${topic}-sub`);
      const published = await runCli(['generate', '--count', '50', ...FIXED, '--ordering-key', '--out', 'pubsub', '--project', projectId, '--topic', topic], {
        env: { PUBSUB_EMULATOR_HOST: entry.target!.address },
      });
      assert.equal(published.code, 0, published.stderr);
      for (const message of await receiveAll(pubsub, `${topic}-sub`, 50)) assert.equal(message.orderingKey, message.attributes.event_id!.split('.')[0]);
    });

    test('a missing topic fails with one clear line and exit 1', async () => {
      const result = await runCli(['generate', '--count', '50', '--out', 'pubsub', '--project', projectId, '--topic', uniqueId('missing')], {
        env: { PUBSUB_EMULATOR_HOST: entry.target!.address },
      });
      assert.equal(result.code, 1);
      const last = result.stderr.trim().split('\n').at(-1)!;
      assert.match(last, /^orderflow: topic of-.*missing.* does not exist in project orderflow-test \(run orderflow setup\)$/);
    });
  });
}

function splitLines(buffer: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  for (let start = 0, end = buffer.indexOf(0x0a); end !== -1; start = end + 1, end = buffer.indexOf(0x0a, start)) lines.push(buffer.subarray(start, end));
  return lines;
}
