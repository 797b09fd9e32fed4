// npm run bench:push — a push worker (in this process, DuckDB sink) fed wrapped push envelopes over
// keep-alive HTTP by a client process (push-client.ts) at 16, 80 and 250 open requests, next to the
// same worker build (push: --batch-max-age-ms as Terraform deploys it) pulling the same number of messages from the embedded emulator in the same run.
// Target: at 80 (Cloud Run's default concurrency) >= 0.8x the pull rate. Short run: --messages 5000.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PubSub } from '@google-cloud/pubsub';
import { startEmulatorProcess } from '../../local/bench/emulator-process.ts';
import { DEFAULT_BATCH_LIMITS, PUSH_BATCH_MAX_AGE_MS } from '../pipeline/micro-batcher.ts';
import { setupDuckDBWarehouse } from '../../setup/duckdb.ts';
import { DuckDBSink } from '../sinks/duckdb-sink.ts';
import {
  benchTopic,
  benchWorker,
  countOption,
  drainWithPullWorker,
  loadLine,
  ownCpu,
  PROJECT,
  print,
  quantile,
  SettledTimes,
  sustainedRate,
  verdict,
} from './kit.ts';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const MESSAGES = countOption('messages', 'BENCH_MESSAGES', 20_000);
const ROUNDS = countOption('rounds', 'BENCH_ROUNDS', 3);
const CONCURRENCY = [16, 80, 250];
const TARGET_CONCURRENCY = 80;
const CLIENT = fileURLToPath(new URL('./push-client.ts', import.meta.url));

interface PushRun {
  rate: number;
  p50: number;
  p99: number;
  retries: number;
  label: string;
  writes: number;
}

/** A push worker on `database` taking `MESSAGES` requests from a client process at `concurrency`. */
async function pushRun(database: string, concurrency: number, seed: number): Promise<PushRun> {
  const spy = new SettledTimes();
  const worker = await benchWorker('push', 'unused', new DuckDBSink({ path: database, lockTimeoutMs: 30_000 }), spy, {
    ...DEFAULT_BATCH_LIMITS,
    maxAgeMs: PUSH_BATCH_MAX_AGE_MS,
  });
  const own = ownCpu();
  const client = spawn(process.execPath, ['--import', 'tsx', CLIENT, String(worker.address.port), String(concurrency), String(MESSAGES), String(seed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  client.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(client, 'exit')) as [number];
  if (code !== 0) throw new Error(`push client exited with code ${code}`);
  await spy.settled(() => true, MESSAGES);
  const here = (ownCpu() - own) / MESSAGES;
  const { 'write.batches': writes } = worker.stats.snapshot();
  await worker.stop();
  const { p50, p99, retries, cpu } = JSON.parse(output) as { p50: number; p99: number; retries: number; cpu: number };
  return {
    rate: sustainedRate([...spy.settledAt.values()]),
    p50,
    p99,
    retries,
    writes,
    label: `CPU ${here.toFixed(0)} µs/msg in the worker + ${cpu.toFixed(0)} µs/msg in the client`,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'orderflow-bench-push-'));
const emulator = await startEmulatorProcess();
try {
  process.env.PUBSUB_EMULATOR_HOST = emulator.address;
  const client = new PubSub({ projectId: PROJECT });
  await benchTopic('pull');
  const database = join(dir, 'bench.duckdb');
  await setupDuckDBWarehouse(database);
  print(loadLine());
  print(
    `push vs pull (one in-process worker, DuckDB sink, ${MESSAGES} messages a run; push requests from a keep-alive client process): ${ROUNDS} rounds of pull then push at ${TARGET_CONCURRENCY}`,
  );
  const ratios: number[] = [];
  const pulls: number[] = [];
  let seed = 200;
  const show = (concurrency: number, run: PushRun, pull: number) =>
    print(
      `  push at ${String(concurrency).padStart(3)} open requests: ${run.rate.toFixed(0)} msgs/s = ${(run.rate / pull).toFixed(2)}x pull; request latency p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms; ${(MESSAGES / run.writes).toFixed(1)} msgs a write; ${run.retries} retried; ${run.label}`,
    );
  for (let r = 1; r <= ROUNDS; r++) {
    const pull = await drainWithPullWorker(client, emulator.pid, 'pull', new DuckDBSink({ path: database, lockTimeoutMs: 30_000 }), ++seed, MESSAGES);
    await pull.running.stop();
    pulls.push(pull.rate);
    print(`  round ${r}: pull ${pull.rate.toFixed(0)} msgs/s (${pull.label})`);
    const push = await pushRun(database, TARGET_CONCURRENCY, ++seed);
    ratios.push(push.rate / pull.rate);
    show(TARGET_CONCURRENCY, push, pull.rate);
  }
  const pull = quantile(pulls, 0.5);
  for (const concurrency of CONCURRENCY.filter((c) => c !== TARGET_CONCURRENCY)) show(concurrency, await pushRun(database, concurrency, ++seed), pull);
  const median = quantile(ratios, 0.5);
  print(`  push at ${TARGET_CONCURRENCY} vs pull, median of ${ROUNDS} rounds: ${median.toFixed(2)}x (target >= 0.8x: ${verdict(median >= 0.8)})`);
  print(loadLine());
  await client.close();
} finally {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}
