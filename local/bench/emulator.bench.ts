// npm run bench:emulator — publish, ordered publish, pull+ack and push delivery throughput of the
// embedded Pub/Sub emulator next to gcloud's (when installed), through the official client with its
// default batching, 1 KB messages; then the embedded emulator's memory holding 200k unacked messages.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { type Message, PubSub } from '@google-cloud/pubsub';
import { gcloudOnPath, startGcloudEmulator } from '../gcloud-emulator.ts';
import { startEmulatorProcess } from './emulator-process.ts';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const WARMUP_MESSAGES = 5_000;
const HELD_MESSAGES = 200_000;
// Ordered publishes go one batch per key at a time, push one HTTP request per message: fewer of each.
const ORDERED_MESSAGES = Math.min(MESSAGES, 20_000);
const ORDERING_KEYS = 500;
const PUSH_MESSAGES = Math.min(MESSAGES, 20_000);
const PAYLOAD = Buffer.alloc(1024, 'x');
// Publishes handed to the client at once: enough to fill its batches without unbounded memory.
const PUBLISH_WINDOW = 5_000;

interface Figures {
  publishPerSecond: number;
  orderedPublishPerSecond: number;
  pullAckPerSecond: number;
  pushPerSecond: number;
  /** The emulator's own CPU time per message (its whole process group for gcloud's), or NaN. */
  publishCpuMicros: number;
  pullAckCpuMicros: number;
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

async function publishOrdered(pubsub: PubSub, topicName: string, count: number): Promise<number> {
  const topic = pubsub.topic(topicName, { messageOrdering: true });
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < count; sent += PUBLISH_WINDOW) {
    const chunk = Math.min(PUBLISH_WINDOW, count - sent);
    await Promise.all(Array.from({ length: chunk }, (_, n) => topic.publishMessage({ data: PAYLOAD, orderingKey: `key-${(sent + n) % ORDERING_KEYS}` })));
  }
  return seconds(started);
}

/**
 * Push delivery: `count` messages wait on a pull subscription, then ModifyPushConfig points it at a
 * local endpoint answering 204; the time until every message was pushed once.
 */
async function pushAll(pubsub: PubSub, topicName: string, subscriptionName: string, count: number): Promise<{ seconds: number; duplicates: number }> {
  const seen = new Set<string>();
  let duplicates = 0;
  let done = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message: { messageId: string } }).message.messageId;
      if (seen.has(id)) duplicates++;
      seen.add(id);
      response.writeHead(204).end();
      if (seen.size === count) done();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  try {
    await publishAll(pubsub, topicName, count);
    const started = process.hrtime.bigint();
    await pubsub.subscription(subscriptionName).modifyPushConfig({ pushEndpoint: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/push` });
    await all;
    const elapsed = seconds(started);
    // A pull subscription again, so nothing more is pushed while the receiver closes.
    await pubsub.subscription(subscriptionName).modifyPushConfig({});
    return { seconds: elapsed, duplicates };
  } finally {
    receiver.closeAllConnections();
    receiver.close();
  }
}

async function measure(target: Target, count: number): Promise<Figures> {
  const pubsub = new PubSub({ apiEndpoint: target.address, emulatorMode: true, projectId: 'orderflow-bench' });
  try {
    const run = `bench-${process.pid}-${++runCount}`;
    const [topic] = await pubsub.createTopic(`${run}-topic`);
    await topic.createSubscription(`${run}-sub`, { ackDeadlineSeconds: 60 });
    const cpuAtStart = cpuSeconds(target.pid);
    const publishSeconds = await publishAll(pubsub, topic.name, count);
    const cpuAfterPublish = cpuSeconds(target.pid);
    const pulled = await pullAll(pubsub, `${run}-sub`, count);
    const cpuAfterPull = cpuSeconds(target.pid);
    await topic.delete();
    const orderedCount = Math.min(count, ORDERED_MESSAGES);
    const [orderedTopic] = await pubsub.createTopic(`${run}-ordered`);
    const orderedSeconds = await publishOrdered(pubsub, orderedTopic.name, orderedCount);
    await orderedTopic.delete();
    const pushCount = Math.min(count, PUSH_MESSAGES);
    const [pushTopic] = await pubsub.createTopic(`${run}-push`);
    await pushTopic.createSubscription(`${run}-push-sub`, { ackDeadlineSeconds: 60 });
    const pushed = await pushAll(pubsub, pushTopic.name, `${run}-push-sub`, pushCount);
    await pushTopic.delete();
    await pubsub.subscription(`${run}-push-sub`).delete();
    return {
      publishPerSecond: count / publishSeconds,
      orderedPublishPerSecond: orderedCount / orderedSeconds,
      pullAckPerSecond: count / pulled.seconds,
      pushPerSecond: pushCount / pushed.seconds,
      publishCpuMicros: ((cpuAfterPublish - cpuAtStart) / count) * 1e6,
      pullAckCpuMicros: ((cpuAfterPull - cpuAfterPublish) / count) * 1e6,
      duplicates: pulled.duplicates + pushed.duplicates,
    };
  } finally {
    await pubsub.close();
  }
}

const CLOCK_TICKS = Number(tryExec('getconf', ['CLK_TCK'])) || 100;

/** CPU seconds used so far by a process and its process group (Linux /proc); NaN elsewhere. */
function cpuSeconds(pid: number): number {
  if (!existsSync('/proc/self/stat')) return NaN;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the parenthesised command: state ppid pgrp ... utime(14th) stime(15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) === pid || Number(fields[2]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS;
}

function tryExec(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim();
  } catch {
    return '';
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
const micros = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(1)).padStart(12);
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
      `Pub/Sub emulators: ${MESSAGES.toLocaleString('en-US')} messages of 1 KB, official client, default batching (after a ${WARMUP_MESSAGES.toLocaleString('en-US')}-message warm-up);`,
      `ordered publish: ${Math.min(MESSAGES, ORDERED_MESSAGES).toLocaleString('en-US')} messages on ${ORDERING_KEYS} keys; push: ${Math.min(MESSAGES, PUSH_MESSAGES).toLocaleString('en-US')} messages to a local endpoint answering 204`,
      `${''.padEnd(20)}${'embedded'.padStart(12)}${gcloud ? `${'gcloud'.padStart(12)}${'ratio'.padStart(10)}` : ''}`,
    ];
    // Throughput: higher is better, ratio embedded/gcloud. CPU per message: lower is better, ratio gcloud/embedded.
    for (const [label, key, higherIsBetter] of [
      ['publish msgs/s', 'publishPerSecond', true],
      [`ordered publish msgs/s`, 'orderedPublishPerSecond', true],
      ['pull+ack msgs/s', 'pullAckPerSecond', true],
      ['push msgs/s', 'pushPerSecond', true],
      ['publish CPU µs/msg', 'publishCpuMicros', false],
      ['pull+ack CPU µs/msg', 'pullAckCpuMicros', false],
    ] as const) {
      const ratio = gcloud ? (higherIsBetter ? embedded[key] / gcloud[key] : gcloud[key] / embedded[key]) : NaN;
      const format = higherIsBetter ? rate : micros;
      lines.push(`${label.padEnd(20)}${format(embedded[key])}${gcloud ? `${format(gcloud[key])}${`${ratio.toFixed(2)}x`.padStart(10)}` : ''}`);
    }
    if (gcloud) lines.push('(ratio: how many times better the embedded emulator is; CPU is the emulator process only, not the client)');
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
