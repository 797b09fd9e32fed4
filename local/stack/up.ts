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
import { spawnOrderflow, type Child } from './children.ts';
import { countersOf, fetchWorkerStats, sumCounters, workerUrl, ZERO_COUNTERS, type WorkerCounters } from './worker-stats.ts';
import { removeStackFile, servePubSubFigures, writeStackFile } from './stack-file.ts';
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
  /** Give up when nothing is acked for this long while messages are outstanding. */
  stallTimeoutMs: number;
  signal: AbortSignal;
}

export interface BatchOutcome {
  exitCode: number | string;
  summary?: { status: string; dates: string[]; report: string | null };
  checks: { name: string; status: string; failingRows: number }[];
}

export interface StackResult {
  interrupted: boolean;
  generator: RunResult;
  workers: WorkerCounters;
  warehouse: WarehouseSummary;
  batch?: BatchOutcome;
  paths: { database: string; logs: string; dims: string; reports: string };
}

const PROJECT = 'orderflow-local';
const TOPIC = 'orders';
const SUBSCRIPTION = 'orders-worker';
/** Simulated seconds between events for a bounded run: 3,000 messages span about a month. */
const EVENT_INTERVAL_SECONDS = 900;

/**
 * The whole pipeline on this machine: emulator, setup, N worker processes, the generator, then the
 * WAP job once every published message is acked. The same commands a person would run by hand.
 */
export async function runStack(options: StackOptions, print: (line: string) => void): Promise<StackResult> {
  const paths = {
    database: join(options.dataDir, 'warehouse.duckdb'),
    logs: join(options.dataDir, 'logs'),
    dims: join(options.dataDir, 'dims'),
    reports: join(options.dataDir, 'audit-reports'),
  };
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
    await expectSuccess(spawnOrderflow('setup', ['setup', '--engine', 'duckdb', '--pubsub', '--topic', TOPIC, '--subscription', SUBSCRIPTION, ...common], { logFile: join(paths.logs, 'setup.log'), env }));
    log(`setup: topic ${TOPIC}, subscription ${SUBSCRIPTION}, warehouse ${paths.database}`);
    const catalog = new Catalog(options.seed);
    await writeSnapshot(catalog, new DirectoryStore(paths.dims));
    log(`dims snapshot: ${paths.dims}`);

    for (let n = 1; n <= options.workers; n++) {
      workers.push(spawnOrderflow(`worker-${n}`, ['worker', '--subscription', SUBSCRIPTION, '--sink', 'duckdb', '--port', '0', '--stats-interval', '0.5', ...common],
        // The heap cap production uses (terraform/run.tf): workers stay small with a full flow-control window.
        { logFile: join(paths.logs, `worker-${n}.log`), env: { ...env, ...WORKER_RUNTIME_ENV } }));
    }
    const urls = await Promise.all(workers.map((w) => workerUrl(join(paths.logs, `${w.name}.log`), () => w.process.exitCode !== null)));
    const counters = new WorkerPoll(urls);
    log(`workers: ${options.workers} processes on ${SUBSCRIPTION} (logs in ${paths.logs})`);
    const subscriptionName = `projects/${PROJECT}/subscriptions/${SUBSCRIPTION}`;
    const figures = emulator ? await servePubSubFigures(emulator, subscriptionName) : undefined;
    stopFigures = figures?.server;
    await writeStackFile(options.dataDir, {
      pid: process.pid, startedAt: new Date().toISOString(), subscription: subscriptionName, workers: urls, database: paths.database,
      ...(figures ? { pubsubStats: figures.url } : {}),
    });

    const generated = await generate(options, counters, logger, log);
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
      batch = await runBatch(paths, env);
    }
    const warehouse = await withDuckDBFile(paths.database, (db) => summariseWarehouse(db, startedMicros));
    return { interrupted: interrupted(), generator: generated, workers: final, warehouse, ...(batch ? { batch } : {}), paths };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    stopFigures?.close();
    await removeStackFile(options.dataDir);
    await emulator?.close();
  }
}

async function generate(options: StackOptions, counters: WorkerPoll, logger: Logger, log: (line: string) => void): Promise<RunResult> {
  const count = options.keepRunning ? undefined : Math.max(1, Math.round(options.rate * options.duration));
  // A bounded run replays the last days so its event clock ends about now (orders get approved,
  // shipped and delivered on the way); an open-ended one keeps pace with the wall clock.
  const eventInterval = count === undefined ? 1 / options.rate : EVENT_INTERVAL_SECONDS;
  const startTime = Date.now() - (count ?? 0) * eventInterval * 1000;
  const stream = new EventStream({
    seed: options.seed, startTime, eventInterval, duplicateRate: options.duplicateRate, invalidRate: options.invalidRate, updateRate: options.updateRate,
  });
  const output = new PubSubOutput({ projectId: PROJECT, topic: TOPIC, maxInFlight: 1000, ordering: true, logger });
  log(`generator: ${count === undefined ? 'until Ctrl-C' : `${count} messages`} at ${options.rate}/s (seed ${options.seed})`);
  const started = performance.now();
  const progress = new ProgressLine(() => {
    const seconds = (performance.now() - started) / 1000;
    const { published } = output.stats();
    return `published ${published}  acked ${lastAcked}  in flight ${Math.max(0, published - lastAcked)}  ${(lastAcked / Math.max(seconds, 0.001)).toFixed(0)} msg/s`;
  });
  let lastAcked = 0;
  const poll = setInterval(async () => {
    lastAcked = (await counters.read()).acked;
  }, 500);
  try {
    return await runGenerator(stream, output, { ...(count === undefined ? {} : { count }), rate: options.rate, signal: options.signal });
  } finally {
    clearInterval(poll);
    progress.stop();
  }
}

/** Waits until the workers acked every published message (the subscription's backlog is empty). */
async function waitUntilAcked(options: StackOptions, generated: RunResult, emulator: RunningEmulator | undefined, workers: Child[], poll: WorkerPoll, logs: string): Promise<void> {
  const subscription = emulator?.broker.subscriptions.get(`projects/${PROJECT}/subscriptions/${SUBSCRIPTION}`);
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const counters = await poll.read();
    const done = subscription ? subscription.backlog === 0 : counters.acked >= generated.published;
    if (done) return;
    const exited = workers.find((w) => w.process.exitCode !== null);
    if (exited) throw new OperationalError(`${exited.name} exited with code ${exited.process.exitCode}; see ${join(logs, `${exited.name}.log`)}`);
    if (counters.acked !== last) [last, lastChange] = [counters.acked, Date.now()];
    if (Date.now() - lastChange > options.stallTimeoutMs) throw new OperationalError(`no message acked for ${options.stallTimeoutMs / 1000} s with ${generated.published - counters.acked} outstanding; see ${logs}`);
    if (options.signal.aborted && !options.keepRunning) return;
    await sleep(200);
  }
}

async function runBatch(paths: { database: string; dims: string; reports: string; logs: string }, env: NodeJS.ProcessEnv): Promise<BatchOutcome> {
  const child = spawnOrderflow('batch', ['batch', 'run', '--engine', 'duckdb', '--database', paths.database, '--dims', paths.dims, '--reports', paths.reports],
    { logFile: join(paths.logs, 'batch.log'), env, captureStdout: true });
  const exitCode = await child.exited;
  const line = child.stdout().trim().split('\n').at(-1);
  const summary = line ? (JSON.parse(line) as BatchOutcome['summary']) : undefined;
  const checks = summary?.report ? ((JSON.parse(await readFile(summary.report, 'utf8')) as { checks: BatchOutcome['checks'] }).checks) : [];
  return { exitCode, ...(summary ? { summary } : {}), checks };
}

/** The workers' counters, summed, from their GET /stats; a worker that does not answer keeps its last figures. */
class WorkerPoll {
  private readonly last: WorkerCounters[];

  constructor(private readonly urls: readonly string[]) {
    this.last = urls.map(() => ZERO_COUNTERS);
  }

  async read(): Promise<WorkerCounters> {
    await Promise.all(this.urls.map(async (url, i) => {
      this.last[i] = await fetchWorkerStats(url).then(countersOf, () => this.last[i]!);
    }));
    return sumCounters(this.last);
  }
}

async function expectSuccess(child: Child): Promise<void> {
  const code = await child.exited;
  if (code !== 0) throw new OperationalError(`orderflow ${child.name} failed (exit ${code}); see its log in the data directory's logs/`);
}

