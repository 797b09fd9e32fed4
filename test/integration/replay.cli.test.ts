import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { startGcsStandIn } from '../helpers/gcs-stand-in.ts';
import { uniqueId } from '../helpers/pubsub-targets.ts';

const PROJECT = 'replay-test';

/** Pulls until `count` messages arrived, acking them. */
async function receive(pubsub: PubSub, subscription: string, count: number): Promise<Message[]> {
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

describe('orderflow replay FILE|gs://...|-', () => {
  let emulator: RunningEmulator;
  let pubsub: PubSub;
  let dir: string;
  let events: Buffer[];
  before(async () => {
    emulator = await startEmulator();
    pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: emulator.address, emulatorMode: true });
    dir = await mkdtemp(join(tmpdir(), 'orderflow-replay-'));
    const generated = await runCli(['generate', '--count', '20', '--seed', '3', '--start-time', '2026-11-20T00:00:00Z']);
    assert.equal(generated.code, 0, generated.stderr);
    events = generated.stdout
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => Buffer.from(line));
  });
  after(async () => {
    await pubsub.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  const topicWithSubscription = async () => {
    const topic = uniqueId('orders');
    const [created] = await pubsub.createTopic(topic);
    await created.createSubscription(`${topic}-sub`);
    return topic;
  };
  const env = () => ({ PUBSUB_EMULATOR_HOST: emulator.address });

  test('publishes every line as it is, valid or not; attributes and ordering key where the line parses', async () => {
    const topic = await topicWithSubscription();
    const notJson = Buffer.from('{"event_id": "half');
    const notUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const array = Buffer.from('[1,2]');
    const lines = [...events.slice(0, 10), notJson, Buffer.alloc(0), notUtf8, array, ...events.slice(10)];
    const file = join(dir, 'mixed.ndjson');
    await writeFile(file, Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')])));

    const result = await runCli(['replay', file, '--project', PROJECT, '--topic', topic, '--rate', '1000', '--max-in-flight', '4'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout.toString('utf8'));
    assert.deepEqual(summary, { source: file, topic, lines: 24, blank: 1, parsed: 20, published: 23, failed: 0, not_events: 3, interrupted: false });
    assert.ok(
      result.stderr.split('\n').some((line) => line.includes('"replay finished"')),
      result.stderr,
    );

    const messages = await receive(pubsub, `${topic}-sub`, 23);
    const byData = new Map(messages.map((m) => [m.data.toString('base64'), m]));
    for (const line of [...events, notJson, notUtf8, array]) assert.ok(byData.has(line.toString('base64')), `published as is: ${line.toString('utf8')}`);
    for (const line of events) {
      const event = JSON.parse(line.toString('utf8'));
      const message = byData.get(line.toString('base64'))!;
      assert.deepEqual(message.attributes, { event_id: event.event_id, event_type: event.event_type, schema_version: String(event.schema_version) });
      assert.equal(message.orderingKey, event.order.order_id);
    }
    for (const line of [notJson, notUtf8, array]) {
      const message = byData.get(line.toString('base64'))!;
      assert.deepEqual([message.attributes, message.orderingKey], [{}, '']);
    }
  });

  test('reads stdin with -, and --no-ordering-key leaves the ordering key unset', async () => {
    const topic = await topicWithSubscription();
    const result = await runCli(['replay', '-', '--project', PROJECT, '--topic', topic, '--no-ordering-key'], {
      env: env(),
      stdin: Buffer.concat(events.slice(0, 5).flatMap((e) => [e, Buffer.from('\r\n')])),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout.toString('utf8')).published, 5);
    const messages = await receive(pubsub, `${topic}-sub`, 5);
    assert.deepEqual(
      messages.map((m) => m.orderingKey),
      ['', '', '', '', ''],
    );
    assert.deepEqual(new Set(messages.map((m) => m.data.toString('utf8'))), new Set(events.slice(0, 5).map((e) => e.toString('utf8'))));
  });

  test('reads a gs:// object', async () => {
    const gcs = await startGcsStandIn();
    try {
      gcs.objects.push({
        bucket: 'orderflow-exports',
        name: 'day/2026-11-20.ndjson',
        contentType: 'application/x-ndjson',
        body: Buffer.concat(events.slice(0, 7).flatMap((e) => [e, Buffer.from('\n')])),
      });
      const topic = await topicWithSubscription();
      const result = await runCli(['replay', 'gs://orderflow-exports/day/2026-11-20.ndjson', '--project', PROJECT, '--topic', topic], {
        env: { ...env(), STORAGE_EMULATOR_HOST: gcs.host },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout.toString('utf8')).published, 7);
      const messages = await receive(pubsub, `${topic}-sub`, 7);
      assert.deepEqual(new Set(messages.map((m) => m.attributes.event_id)), new Set(events.slice(0, 7).map((e) => JSON.parse(e.toString('utf8')).event_id)));

      const missing = await runCli(['replay', 'gs://orderflow-exports/day/none.ndjson', '--project', PROJECT, '--topic', topic], {
        env: { ...env(), STORAGE_EMULATOR_HOST: gcs.host },
      });
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr.trim(), 'orderflow: cannot read gs://orderflow-exports/day/none.ndjson: no such object');
    } finally {
      await gcs.close();
    }
  });

  test('a bad path, a missing topic: one clear line, exit 1', async () => {
    const missingFile = await runCli(['replay', join(dir, 'nope.ndjson'), '--project', PROJECT], { env: env() });
    assert.equal(missingFile.code, 1);
    assert.equal(missingFile.stderr.trim(), `orderflow: cannot read ${join(dir, 'nope.ndjson')}: ENOENT`);

    const file = join(dir, 'three.ndjson');
    await writeFile(file, Buffer.concat(events.slice(0, 3).flatMap((e) => [e, Buffer.from('\n')])));
    const missingTopic = await runCli(['replay', file, '--project', PROJECT, '--topic', 'no-such-topic'], { env: env() });
    assert.equal(missingTopic.code, 1);
    // Checked before the first publish: one line, not a failed publish per line.
    assert.equal(missingTopic.stderr.trim(), `orderflow: topic no-such-topic does not exist in project ${PROJECT} (run orderflow setup)`);

    const badFlag = await runCli(['replay', file, '--rate', '0']);
    assert.equal(badFlag.code, 2);
    assert.equal(badFlag.stderr.trim().split('\n').length, 1);
  });
});
