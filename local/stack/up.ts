import { createWriteStream } from 'node:fs';
import type { Server } from 'node:http';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationalError } from '../../common/errors.ts';
import { createLogger, type Logger } from '../../common/logger.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { ProgressLine } from '../../common/progress.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { Catalog } from '../../generator/catalog.ts';
import { PubSubOutput } from '../../generator/outputs/pubsub-output.ts';
import { runGenerator, type RunResult } from '../../generator/run.ts';
import { writeSnapshot } from '../../generator/snapshot.ts';
import { EventStream } from '../../generator/stream.ts';
import { startEmulator, type RunningEmulator } from '../emulator/index.ts';
import { explainFailure } from './child-failure.ts';
import { spawnOrderflow, type Child } from './children.ts';
import { importOlistIntoStack } from './olist.ts';
import { countersOf, fetchWorkerStats, sumCounters, workerUrl, ZERO_COUNTERS, type WorkerCounters } from './worker-stats.ts';
import { removeStackFile, servePubSubFigures, writeStackFile } from './stack-file.ts';
import { type PushFront, startPushFront } from './push-front.ts';
import { removeLiveStatus, writeLiveStatus } from './live-status.ts';
import { summariseWarehouse, type WarehouseSummary } from './warehouse-summary.ts';
import { WORKER_RUNTIME_ENV } from '../../streaming/runtime-env.ts';

export interface StackOptions {
  dataDir: string;
  workers: number;
  /** Messages a second the generator publishes. */
  rate: number;
  /** Seconds of generation (count = rate x duration), unless keepRunning. */
  duration: number;
  keepRunning: boolean;
  seed: number;
  duplicateRate: number;
  invalidRate: number;
  updateRate: number;
  /** Divides order lifecycle delays (default: LIVE_LIFECYCLE_SPEED with keepRunning, else 1). */
  lifecycleSpeed?: number;
  /** Give up when nothing is acked for this long while messages are outstanding. */
  stallTimeoutMs: number;
  /** A Kaggle Olist folder (or gs:// prefix): import its history and dims instead of generating. */
  olist?: string;
  signal: AbortSignal;
  /** pull: workers stream-pull the subscription; push: the emulator pushes to them (push-front.ts). */
  mode: 'pull' | 'push';
}

export interface BatchOutcome {
  exitCode: number | string;
  summary?: { status: string; dates: string[]; report: string | null };
  /** Without a summary: why the job failed, in one line with its log's path (child-failure.ts). */
  failure?: string;
  checks: { name: string; status: string; failingRows: number }[];
}

export interface StackResult {
  interrupted: boolean;
  generator: RunResult;
  workers: WorkerCounters;
  warehouse: WarehouseSummary;
  batch?: BatchOutcome;
  paths: { database: string; logs: string; dims: string; reports: string; deadLetters: string };
}

const PROJECT = 'orderflow-local';
const TOPIC = 'orders';
const SUBSCRIPTION = 'orders-worker';
/** setup's default: the dead-letter topic's subscription, which the workers drain into raw.dead_letter. */
const DEAD_LETTER_SUBSCRIPTION = 'orders-dead-letter';
/** How long a worker may take to log `worker started`: a loaded 2-core machine has taken over 60 s. */
const WORKER_START_TIMEOUT_MS = 180_000;
/** Simulated seconds between events for a bounded run: 3,000 messages span about a month. */
const EVENT_INTERVAL_SECONDS = 900;
/** A live run's lifecycle pace: a day of an order's life a minute, so approvals show within seconds and deliveries within ~15 minutes. */
export const LIVE_LIFECYCLE_SPEED = 1440;

/**
 * The stack's event stream and message count. A bounded run replays the history of
 * count x EVENT_INTERVAL_SECONDS ending at `now()`: orders get approved, shipped and delivered on
 * the way, and no event (update included) is dated after the run's start. An open-ended run
 * (keepRunning) follows the wall clock, with lifecycles LIVE_LIFECYCLE_SPEED times faster so its
 * updates show while it runs; no event is dated after the moment it is made.
 */
export function stackEventStream(
  options: Pick<StackOptions, 'keepRunning' | 'rate' | 'duration' | 'seed' | 'duplicateRate' | 'invalidRate' | 'updateRate' | 'lifecycleSpeed'>,
  now: () => number = Date.now,
): { stream: EventStream; count?: number } {
  const mix = { seed: options.seed, duplicateRate: options.duplicateRate, invalidRate: options.invalidRate, updateRate: options.updateRate };
  if (options.keepRunning) {
    const stream = new EventStream({ ...mix, startTime: now(), wallClock: now, lifecycleSpeed: options.lifecycleSpeed ?? LIVE_LIFECYCLE_SPEED });
    return { stream };
  }
  const count = Math.max(1, Math.round(options.rate * options.duration));
  const endTime = now();
  const history = { endTime, messages: count };
  const stream = new EventStream({ ...mix, startTime: endTime - count * EVENT_INTERVAL_SECONDS * 1000, history, lifecycleSpeed: options.lifecycleSpeed ?? 1 });
  return { stream, count };
}

/** Where the stack keeps its warehouse, logs, dims snapshot and audit reports under the data directory. */
export const stackPaths = (dataDir: string): StackResult['paths'] => ({
  database: join(dataDir, 'warehouse.duckdb'),
  logs: join(dataDir, 'logs'),
  dims: join(dataDir, 'dims'),
  reports: join(dataDir, 'audit-reports'),
  deadLetters: join(dataDir, 'dead-letters'),
});

/**
 * The whole pipeline on this machine: emulator, setup, N worker processes, the generator, then the
 * WAP job once every published message is acked. The same commands a person would run by hand.
 */
export async function runStack(options: StackOptions, print: (line: string) => void): Promise<StackResult> {
  const paths = stackPaths(options.dataDir);
  await mkdir(paths.logs, { recursive: true });
  const logger = createLogger({ base: { component: 'up' }, destination: createWriteStream(join(paths.logs, 'up.log'), { flags: 'a' }) });
  // What the terminal shows goes to up.log too, beside the children's logs.
  const log = (line: string) => {
    logger.info(line);
    print(line);
  };
  const startedMicros = BigInt(Date.now()) * 1000n;
  let emulator: RunningEmulator | undefined;
  let stopFigures: Server | undefined;
  let push: PushFront | undefined;
  const workers: Child[] = [];
  try {
    const external = process.env.PUBSUB_EMULATOR_HOST;
    if (!external) emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
    // Local only: the Google clients need not look for a GCE metadata server (and warn when there is none).
    const env = { PUBSUB_EMULATOR_HOST: external ?? emulator!.address, GOOGLE_CLOUD_PROJECT: PROJECT, METADATA_SERVER_DETECTION: 'none' };
    process.env.METADATA_SERVER_DETECTION = env.METADATA_SERVER_DETECTION;
    // The in-process generator's client reads it too.
    process.env.PUBSUB_EMULATOR_HOST = env.PUBSUB_EMULATOR_HOST;
    log(`pubsub: ${external ? `emulator at ${external}` : `embedded emulator at ${emulator!.address}`}`);

    const common = ['--project', PROJECT, '--database', paths.database];
    if (options.mode === 'push') push = await startPushFront(options.workers, emulator?.certsUrl);
    await expectSuccess(
      spawnOrderflow(
        'setup',
        ['setup', '--engine', 'duckdb', '--pubsub', '--topic', TOPIC, '--subscription', SUBSCRIPTION, ...(push?.setupArgs ?? []), ...common],
        { logFile: join(paths.logs, 'setup.log'), env },
      ),
    );
    log(
      `setup: topic ${TOPIC}, ${push ? `push subscription ${SUBSCRIPTION} to ${push.endpoint}` : `subscription ${SUBSCRIPTION}`}, warehouse ${paths.database}`,
    );
    if (!options.olist) {
      await writeSnapshot(new Catalog(options.seed), new DirectoryStore(paths.dims));
      log(`dims snapshot: ${paths.dims}`);
    }

    // Pull mode drains the dead-letter topic's subscription too; the local push front delivers the
    // main subscription only.
    const drainArgs = push ? [] : ['--dead-letter-subscription', DEAD_LETTER_SUBSCRIPTION];
    for (let n = 1; n <= options.workers; n++) {
      workers.push(
        spawnOrderflow(
          `worker-${n}`,
          [
            'worker',
            '--subscription',
            SUBSCRIPTION,
            ...drainArgs,
            '--sink',
            'duckdb',
            ...(push?.workerArgs(n) ?? ['--port', '0']),
            '--stats-interval',
            '0.5',
            '--dead-letter-store',
            paths.deadLetters,
            ...common,
          ],
          // The heap cap production uses (terraform/run.tf): workers stay small with a full flow-control window.
          { logFile: join(paths.logs, `worker-${n}.log`), env: { ...env, ...WORKER_RUNTIME_ENV } },
        ),
      );
    }
    // Every worker ready before the first publish: a push to one not listening yet would wait out
    // the retry policy's backoff.
    const urls = await Promise.all(
      workers.map((w) =>
        workerUrl(
          {
            name: w.name,
            logFile: join(paths.logs, `${w.name}.log`),
            logOffset: w.logOffset,
            exited: () => w.process.exitCode ?? w.process.signalCode ?? undefined,
          },
          WORKER_START_TIMEOUT_MS,
        ),
      ),
    );
    const counters = new WorkerPoll(urls);
    log(
      `workers: ${options.workers} processes on ${SUBSCRIPTION}${push ? `, taking its pushes at ${push.endpoint}` : `, draining ${DEAD_LETTER_SUBSCRIPTION}`} (logs in ${paths.logs})`,
    );
    const subscriptionName = `projects/${PROJECT}/subscriptions/${SUBSCRIPTION}`;
    const figures = emulator ? await servePubSubFigures(emulator, subscriptionName) : undefined;
    stopFigures = figures?.server;
    await writeStackFile(options.dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      subscription: subscriptionName,
      workers: urls,
      database: paths.database,
      ...(figures ? { pubsubStats: figures.url } : {}),
    });

    const olist = options.olist ? await importOlistIntoStack(options.olist, paths.dims, { projectId: PROJECT, topic: TOPIC }, logger, log) : undefined;
    const generated = olist?.published ?? (await generate(options, counters, logger, log));
    // In a bounded run Ctrl-C interrupts, during generation or while draining; with --keep-running
    // the first Ctrl-C is what ends generation, so the drain and the WAP job still follow.
    const interrupted = () => options.signal.aborted && !options.keepRunning;
    if (!interrupted()) await waitUntilAcked(options, generated, emulator, workers, counters, paths.logs);
    // The last figures before the workers go (every message is acked by now, unless interrupted).
    const final = await counters.read();
    await Promise.all(workers.map((w) => w.stop()));

    let batch: BatchOutcome | undefined;
    if (!interrupted()) {
      log('batch: write -> audit -> publish ...');
      batch = await runBatch(paths, env, olist?.batchRange ?? []);
    }
    const warehouse = await withDuckDBFile(paths.database, (db) => summariseWarehouse(db, startedMicros));
    return { interrupted: interrupted(), generator: generated, workers: final, warehouse, ...(batch ? { batch } : {}), paths };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    stopFigures?.close();
    // Both only mean something while up runs: status and the dashboard take their absence as "not running".
    await removeStackFile(options.dataDir);
    await removeLiveStatus(options.dataDir);
    await push?.close();
    await emulator?.close();
  }
}

async function generate(options: StackOptions, counters: WorkerPoll, logger: Logger, log: (line: string) => void): Promise<RunResult> {
  const { stream, count } = stackEventStream(options);
  const output = new PubSubOutput({ projectId: PROJECT, topic: TOPIC, maxInFlight: 1000, ordering: true, logger });
  log(`generator: ${count === undefined ? 'until Ctrl-C' : `${count} messages`} at ${options.rate}/s (seed ${options.seed})`);
  const started = performance.now();
  const progress = new ProgressLine(() => {
    const seconds = (performance.now() - started) / 1000;
    const { published } = output.stats();
    return `published ${published}  acked ${lastAcked}  in flight ${Math.max(0, published - lastAcked)}  ${(lastAcked / Math.max(seconds, 0.001)).toFixed(0)} msg/s`;
  });
  let lastAcked = 0;
  let tick: Promise<void> = Promise.resolve();
  const poll = setInterval(() => {
    tick = (async () => {
      lastAcked = (await counters.read()).acked;
      const { published } = output.stats();
      // For the dashboard's live rates (orderflow dashboard reads it beside the warehouse); best effort.
      await writeLiveStatus(options.dataDir, { at: new Date().toISOString(), published, acked: lastAcked, inFlight: Math.max(0, published - lastAcked) }).catch(
        () => undefined,
      );
    })();
  }, 500);
  try {
    return await runGenerator(stream, output, { ...(count === undefined ? {} : { count }), rate: options.rate, signal: options.signal });
  } finally {
    clearInterval(poll);
    // A write still under way would bring the file back after runStack removed it.
    await tick;
    progress.stop();
  }
}

/**
 * Waits until the workers acked every published message: the subscription's backlog is empty, and
 * so is the dead-letter subscription's (what Pub/Sub gave up on is in raw.dead_letter too).
 */
async function waitUntilAcked(
  options: StackOptions,
  generated: RunResult,
  emulator: RunningEmulator | undefined,
  workers: Child[],
  poll: WorkerPoll,
  logs: string,
): Promise<void> {
  const subscription = emulator?.broker.subscriptions.get(`projects/${PROJECT}/subscriptions/${SUBSCRIPTION}`);
  const deadLetters = emulator?.broker.subscriptions.get(`projects/${PROJECT}/subscriptions/${DEAD_LETTER_SUBSCRIPTION}`);
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const counters = await poll.read();
    const done = subscription
      ? subscription.backlog === 0 && (options.mode === 'push' || (deadLetters?.backlog ?? 0) === 0)
      : counters.acked >= generated.published;
    if (done) return;
    const exited = workers.find((w) => w.process.exitCode !== null);
    if (exited)
      throw new OperationalError(await explainFailure(`${exited.name} exited with code ${exited.process.exitCode}`, exited.logFile, exited.logOffset));
    if (counters.acked !== last) [last, lastChange] = [counters.acked, Date.now()];
    if (Date.now() - lastChange > options.stallTimeoutMs)
      throw new OperationalError(
        `no message acked for ${options.stallTimeoutMs / 1000} s with ${generated.published - counters.acked} outstanding; see ${logs}`,
      );
    if (options.signal.aborted && !options.keepRunning) return;
    await sleep(200);
  }
}

async function runBatch(
  paths: { database: string; dims: string; reports: string; logs: string },
  env: NodeJS.ProcessEnv,
  extra: string[],
): Promise<BatchOutcome> {
  const child = spawnOrderflow(
    'batch',
    ['batch', 'run', '--engine', 'duckdb', '--database', paths.database, '--dims', paths.dims, '--reports', paths.reports, ...extra],
    { logFile: join(paths.logs, 'batch.log'), env, captureStdout: true },
  );
  const exitCode = await child.exited;
  const line = child.stdout().trim().split('\n').at(-1);
  const summary = line ? (JSON.parse(line) as BatchOutcome['summary']) : undefined;
  const checks = summary?.report ? (JSON.parse(await readFile(summary.report, 'utf8')) as { checks: BatchOutcome['checks'] }).checks : [];
  // No summary: the job failed before it decided anything (a lease held, an unreadable warehouse); its own line says why.
  const failure = summary ? undefined : await explainFailure(`batch exited ${exitCode}`, child.logFile, child.logOffset);
  return { exitCode, ...(summary ? { summary } : {}), ...(failure ? { failure } : {}), checks };
}

/** The workers' counters, summed, from their GET /stats; a worker that does not answer keeps its last figures. */
class WorkerPoll {
  private readonly last: WorkerCounters[];

  constructor(private readonly urls: readonly string[]) {
    this.last = urls.map(() => ZERO_COUNTERS);
  }

  async read(): Promise<WorkerCounters> {
    await Promise.all(
      this.urls.map(async (url, i) => {
        this.last[i] = await fetchWorkerStats(url).then(countersOf, () => this.last[i]!);
      }),
    );
    return sumCounters(this.last);
  }
}

/** Waits for a child's exit; when it failed, one line with its own reason (child-failure.ts). */
async function expectSuccess(child: Child): Promise<void> {
  const code = await child.exited;
  if (code !== 0) throw new OperationalError(await explainFailure(`${child.name} failed`, child.logFile, child.logOffset));
}
