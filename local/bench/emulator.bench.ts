// npm run bench:emulator — publish and pull+ack throughput of the embedded Pub/Sub emulator next to
// gcloud's (when installed), through the official client with its default batching, 1 KB messages;
// then the embedded emulator's memory holding 200k unacked messages.
import { execFileSync } from 'node:child_process';
import { type Message, PubSub } from '@google-cloud/pubsub';
import { gcloudOnPath, startGcloudEmulator } from '../gcloud-emulator.ts';
import { startEmulatorProcess } from './emulator-process.ts';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const WARMUP_MESSAGES = 5_000;
const HELD_MESSAGES = 200_000;
const PAYLOAD = Buffer.alloc(1024, 'x');
// Publishes handed to the client at once: enough to fill its batches without unbounded memory.
const PUBLISH_WINDOW = 5_000;

interface Figures {
  publishPerSecond: number;
  pullAckPerSecond: number;
  duplicates: number;
}

interface Target {
  name: string;
  address: string;
  pid: number;
  close(): Promise<void>;
}

let runCount = 0;

async function publishAll(pubsub: PubSub, topicName: string, count: number): Promise<number> {
  const topic = pubsub.topic(topicName);
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < count; sent += PUBLISH_WINDOW) {
    const chunk = Math.min(PUBLISH_WINDOW, count - sent);
    await Promise.all(Array.from({ length: chunk }, () => topic.publishMessage({ data: PAYLOAD })));
  }
  return seconds(started);
}

async function pullAll(pubsub: PubSub, subscriptionName: string, count: number): Promise<{ seconds: number; duplicates: number }> {
  const subscription = pubsub.subscription(subscriptionName);
  const seen = new Set<string>();
  let duplicates = 0;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    subscription.on('error', reject);
    subscription.on('message', (message: Message) => {
      if (seen.has(message.id)) duplicates++;
      seen.add(message.id);
      message.ack();
      if (seen.size === count) resolve();
    });
  });
  // close() flushes the pending acks: the figure is for messages received and acknowledged.
  await subscription.close();
  return { seconds: seconds(started), duplicates };
}

async function measure(target: Target, count: number): Promise<Figures> {
  const pubsub = new PubSub({ apiEndpoint: target.address, emulatorMode: true, projectId: 'orderflow-bench' });
  try {
    const run = `bench-${process.pid}-${++runCount}`;
    const [topic] = await pubsub.createTopic(`${run}-topic`);
    await topic.createSubscription(`${run}-sub`, { ackDeadlineSeconds: 60 });
    const publishSeconds = await publishAll(pubsub, topic.name, count);
    const pulled = await pullAll(pubsub, `${run}-sub`, count);
    await topic.delete();
    return { publishPerSecond: count / publishSeconds, pullAckPerSecond: count / pulled.seconds, duplicates: pulled.duplicates };
  } finally {
    await pubsub.close();
  }
}

/** Resident memory of a process and its process group's other members (gcloud forks Java). */
function rssBytes(pid: number): number {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,rss='], { encoding: 'utf8' });
  let kilobytes = 0;
  for (const line of table.trim().split('\n')) {
    const [p, g, rss] = line.trim().split(/\s+/).map(Number) as [number, number, number];
    if (p === pid || g === pid) kilobytes += rss;
  }
  return kilobytes * 1024;
}

async function heldMemory(target: Target): Promise<{ idle: number; held: number }> {
  const pubsub = new PubSub({ apiEndpoint: target.address, emulatorMode: true, projectId: 'orderflow-bench' });
  try {
    const idle = rssBytes(target.pid);
    const [topic] = await pubsub.createTopic(`held-${process.pid}-topic`);
    await topic.createSubscription(`held-${process.pid}-sub`);
    await publishAll(pubsub, topic.name, HELD_MESSAGES);
    // Let the emulator finish routing and the allocator settle before reading its RSS.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { idle, held: rssBytes(target.pid) };
  } finally {
    await pubsub.close();
  }
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')}`.padStart(12);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function startTargets(): Promise<{ targets: Target[]; notes: string[] }> {
  const notes: string[] = [];
  const embedded = await startEmulatorProcess();
  const targets: Target[] = [{ name: 'embedded', ...embedded }];
  if (!gcloudOnPath()) notes.push('gcloud is not on PATH: no baseline');
  else {
    try {
      const gcloud = await startGcloudEmulator();
      targets.push({ name: 'gcloud', ...gcloud });
    } catch (error) {
      notes.push(`gcloud's emulator did not start (${(error as Error).message}): no baseline`);
    }
  }
  return { targets, notes };
}

async function main(): Promise<void> {
  const { targets, notes } = await startTargets();
  try {
    const results = new Map<string, Figures>();
    for (const target of targets) {
      await measure(target, WARMUP_MESSAGES);
      results.set(target.name, await measure(target, MESSAGES));
    }
    const embedded = results.get('embedded') as Figures;
    const gcloud = results.get('gcloud');
    const lines = [
      `Pub/Sub emulators: ${MESSAGES.toLocaleString('en-US')} messages of 1 KB, official client, default batching (after a ${WARMUP_MESSAGES.toLocaleString('en-US')}-message warm-up)`,
      `${''.padEnd(16)}${'embedded'.padStart(12)}${gcloud ? `${'gcloud'.padStart(12)}${'ratio'.padStart(10)}` : ''}`,
    ];
    for (const [label, key] of [
      ['publish msgs/s', 'publishPerSecond'],
      ['pull+ack msgs/s', 'pullAckPerSecond'],
    ] as const) {
      lines.push(`${label.padEnd(16)}${rate(embedded[key])}${gcloud ? `${rate(gcloud[key])}${`${(embedded[key] / gcloud[key]).toFixed(2)}x`.padStart(10)}` : ''}`);
    }
    lines.push(`duplicates: embedded ${embedded.duplicates}${gcloud ? `, gcloud ${gcloud.duplicates}` : ''}`);
    // A fresh process, so the figure is not inflated by what the throughput runs left behind.
    const fresh = await startEmulatorProcess();
    const memory = await heldMemory({ name: 'embedded', ...fresh }).finally(() => fresh.close());
    lines.push(`embedded emulator RSS: ${mb(memory.idle)} idle, ${mb(memory.held)} holding ${HELD_MESSAGES.toLocaleString('en-US')} unacked 1 KB messages`);
    process.stdout.write(`${[...lines, ...notes].join('\n')}\n`);
  } finally {
    await Promise.all(targets.map((target) => target.close()));
  }
}

await main();
