// Pieces the worker benchmarks share (bench:worker, bench:push, bench:bigquery): generated
// streams, publishing, the measuring spy, rates, quantiles, CPU and RSS of processes, and one
// pull worker draining a backlog. Figures are printed as they come.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { PubSub } from '@google-cloud/pubsub';
import { createLogger } from '../../common/logger.ts';
import { EventStream, type GeneratedMessage } from '../../generator/stream.ts';
import { DEFAULT_BATCH_LIMITS } from '../pipeline/micro-batcher.ts';
import { ProcessedSpy, type ProcessedEvent } from '../pipeline/processed-spy.ts';
import { setupPubSub } from '../../setup/pubsub.ts';
import type { RowSink } from '../sinks/sink.ts';
import { startWorker, type RunningWorker, type WorkerConfig } from '../worker.ts';

export const PROJECT = 'bench';
/** The worker's defaults (orderflow worker --help). */
export const FLOW = { maxMessages: 2000, maxBytes: 64 << 20, streams: 1 };

/**
 * A generated stream (5% duplicates, 2% invalid, 10% updates) for one phase. Each phase makes its
 * own and publishes it in chunks, so none of it stays on the heap: the generator keeps its history
 * for duplicates, and a benchmark holding ~250 MB made every major GC of the in-process worker mark
 * that too (the worker used ~120 rather than ~105 µs a message, measured).
 */
export const generated = (seed: number) => {
  const stream = new EventStream({ seed, startTime: Date.parse('2026-11-20T00:00:00Z'), duplicateRate: 0.05, invalidRate: 0.02, updateRate: 0.1 });
  return (n: number): GeneratedMessage[] => Array.from({ length: n }, () => stream.nextMessage());
};

export const print = (line: string) => process.stdout.write(`${line}\n`);
export const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
export const verdict = (ok: boolean) => (ok ? 'target met' : 'TARGET MISSED');
/** A count from `--name N` on the command line, else the environment variable, else the default. */
export function countOption(name: string, env: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const text = at >= 0 ? process.argv[at + 1] : process.env[env];
  const value = Number(text ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`--${name} (or ${env}) must be a positive integer, got ${String(text)}\n`);
    process.exit(2);
  }
  return value;
}
/** The machine's load, printed with figures: the machine is shared and figures drift with it. */
export const loadLine = () => `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${availableParallelism()} cores`;

const CLOCK_TICKS = 100; // USER_HZ on Linux
/** CPU time (µs) used so far by a child process (user + system, from /proc; Linux). */
export const childCpu = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
};
export const ownCpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * CPU a message while `run` handles `count` messages: this process's (the subscriber or worker,
 * all its threads) and another process's (the emulator, a stand-in, a client). Shows whether a rate
 * is bound by CPU or by waiting.
 */
export async function cpuPerMessage<T>(
  otherPid: number,
  count: number,
  run: () => Promise<T>,
  other = 'the emulator',
): Promise<{ result: T; here: number; label: string }> {
  const [own, theirs0] = [ownCpu(), childCpu(otherPid)];
  const result = await run();
  const here = (ownCpu() - own) / count;
  const theirs = (childCpu(otherPid) - theirs0) / count;
  return { result, here, label: `CPU ${here.toFixed(0)} µs/msg here + ${theirs.toFixed(0)} µs/msg in ${other}` };
}

/**
 * Sustained rate from the times messages were settled: over the last 90%, so opening the stream
 * (and the worker's DuckDB file and writer thread) is not averaged into a run of a few seconds.
 */
export const sustainedRate = (settled: number[]) => {
  const sorted = [...settled].sort((a, b) => a - b);
  const from = Math.floor(sorted.length * 0.1);
  return (sorted.length - 1 - from) / ((sorted.at(-1)! - sorted[from]!) / 1000);
};

/** Publishes `count` messages of a generated stream, 5,000 at a time. */
export async function publish(client: PubSub, topic: string, next: (n: number) => GeneratedMessage[], count: number): Promise<void> {
  const publisher = client.topic(topic, { batching: { maxMessages: 1000, maxMilliseconds: 5 } });
  for (let sent = 0; sent < count; sent += 5000) {
    await Promise.all(next(Math.min(5000, count - sent)).map((m) => publisher.publishMessage({ data: m.data, attributes: m.attributes })));
  }
}

/** A topic and its subscription (with a dead-letter topic) on the emulator, named `name`. */
export async function benchTopic(name: string): Promise<void> {
  await setupPubSub({
    projectId: PROJECT,
    topic: name,
    subscription: name,
    deadLetterTopic: `${name}-dead-letter`,
    maxDeliveryAttempts: 100,
    minBackoffSeconds: 1,
    maxBackoffSeconds: 10,
    ackDeadlineSeconds: 60,
  });
}

/**
 * Notes when each message was first settled (its rows durable), and keeps nothing else: the
 * measuring must not weigh on the worker it measures (ProcessedSpy keeps every event for tests).
 */
export class SettledTimes extends ProcessedSpy {
  readonly settledAt = new Map<string, number>();
  private waiter: { matches: (messageId: string) => boolean; count: number; seen: number; resolve: () => void } | undefined;

  override record(event: ProcessedEvent): void {
    if (event.outcome.kind === 'nack' || this.settledAt.has(event.messageId)) return;
    this.settledAt.set(event.messageId, performance.now());
    const waiter = this.waiter;
    if (waiter?.matches(event.messageId) && ++waiter.seen >= waiter.count) {
      this.waiter = undefined;
      waiter.resolve();
    }
  }

  /** Resolves once `count` matching messages have been settled, those settled before the call included. */
  settled(matches: (messageId: string) => boolean, count: number): Promise<void> {
    let seen = 0;
    for (const messageId of this.settledAt.keys()) if (matches(messageId)) seen += 1;
    if (seen >= count) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { matches, count, seen, resolve }));
  }
}

/** A worker in this process with the bench's settings: pull (from `subscription`) or push (on a free port). */
export function benchWorker(
  mode: WorkerConfig['mode'],
  subscription: string,
  sink: RowSink,
  spy: SettledTimes,
  limits = DEFAULT_BATCH_LIMITS,
): Promise<RunningWorker> {
  return startWorker(
    {
      mode,
      projectId: PROJECT,
      subscription,
      ...FLOW,
      limits,
      dedupeCapacity: 100_000,
      host: '127.0.0.1',
      port: 0,
      statsIntervalMs: 3_600_000,
      drainTimeoutMs: 8000,
    },
    { sink, spy, logger: createLogger({ level: 'warn' }) },
  );
}

export interface Drained {
  /** Sustained msgs/s (sustainedRate). */
  rate: number;
  /** CPU µs a message in this process (worker and subscriber). */
  cpu: number;
  label: string;
  running: RunningWorker;
  spy: SettledTimes;
}

/**
 * Publishes `count` messages (stream `seed`) to `subscription`'s topic (named alike, benchTopic),
 * then starts a pull worker on `sink` and waits until it has settled them all. The worker is left
 * running for the caller to stop.
 */
export async function drainWithPullWorker(
  client: PubSub,
  emulatorPid: number,
  subscription: string,
  sink: RowSink,
  seed: number,
  count: number,
): Promise<Drained> {
  await publish(client, subscription, generated(seed), count);
  const spy = new SettledTimes();
  const {
    result: running,
    here,
    label,
  } = await cpuPerMessage(emulatorPid, count, async () => {
    const started = await benchWorker('pull', subscription, sink, spy);
    await spy.settled(() => true, count);
    return started;
  });
  return { rate: sustainedRate([...spy.settledAt.values()]), cpu: here, label, running, spy };
}
