// npm run bench:bigquery — the worker (pull mode, in this process) with the BigQuery sink against
// the Storage Write stand-in in a process of its own (decoding every row, as the wire tests do),
// next to the same worker with the DuckDB sink, in the same run: msgs/s, CPU µs a message split
// into validate/split, encode and send, and RSS. Targets: >= 0.8x the DuckDB-sink rate; encode
// <= 1.5x JSON.stringify of the same rows. Short run: --messages 5000 --rounds 1.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { PubSub } from '@google-cloud/pubsub';
import { createLogger } from '../../common/logger.ts';
import { loadRawTables } from '../../common/table-schemas.ts';
import { WRITE_TIME_COLUMN, type Row } from '../rows.ts';
import { startEmulatorProcess } from '../../local/bench/emulator-process.ts';
import { classify } from '../pipeline/classify.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import { createBigQuerySink } from '../sinks/bigquery/bigquery-sink.ts';
import { RowEncoder } from '../sinks/bigquery/row-encoding.ts';
import { setupDuckDBWarehouse } from '../../setup/duckdb.ts';
import { DuckDBSink } from '../sinks/duckdb-sink.ts';
import type { RawTable, RowSink } from '../sinks/sink.ts';
import { benchTopic, childCpu, countOption, drainWithPullWorker, generated, loadLine, PROJECT, print, quantile, verdict } from './kit.ts';

process.env.METADATA_SERVER_DETECTION ??= 'none';

const MESSAGES = countOption('messages', 'BENCH_MESSAGES', 20_000);
const ROUNDS = countOption('rounds', 'BENCH_ROUNDS', 3);
const STAND_IN = fileURLToPath(new URL('./bigquery-standin-process.ts', import.meta.url));
const TABLES: RawTable[] = ['orders', 'order_items', 'order_payments', 'dead_letter'];
const mb = (bytes: number) => `${(bytes / (1 << 20)).toFixed(0)} MB`;

interface StandIn {
  port: number;
  pid: number;
  stop(): Promise<{ rows: number; decodeErrors: number }>;
}

async function startStandIn(): Promise<StandIn> {
  const child = spawn(process.execPath, ['--import', 'tsx', STAND_IN], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stand-in exited with code ${code}`)));
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const match = /PORT=(\d+)\n/.exec(output);
      if (match) resolve(Number(match[1]));
    });
  });
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(output.split('\n').filter(Boolean).at(-1)!) as { rows: number; decodeErrors: number };
    },
  };
}

/** Peak RSS of this process while `run` runs (sampled every 50 ms). */
async function peakRss<T>(run: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    const result = await run();
    return { result, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * µs a message of each function over `count` messages: after a warm-up, 9 rounds in which they
 * take turns (so a change in the machine's speed weighs on all), the median round of each.
 */
function perMessage<K extends string>(count: number, fns: Record<K, () => void>): Record<K, number> {
  const entries = Object.entries(fns) as [K, () => void][];
  for (const [, fn] of entries) fn();
  const rounds = new Map<K, number[]>(entries.map(([name]) => [name, []]));
  for (let r = 0; r < 9; r++) {
    for (const [name, fn] of entries) {
      const started = performance.now();
      fn();
      rounds.get(name)!.push(((performance.now() - started) * 1000) / count);
    }
  }
  return Object.fromEntries(entries.map(([name]) => [name, quantile(rounds.get(name)!, 0.5)])) as Record<K, number>;
}

/**
 * The worker's CPU stages on one generated stream, each timed alone: validate + split (classify),
 * the BigQuery encoding of the rows it made (RowEncoder: checks and protobuf bytes), and
 * JSON.stringify of the same rows, TIMESTAMPs as numbers (the baseline the target names).
 */
/** As TableWriter encodes a row: without its write time when the sink stamps it as it sends. */
const deferred = (row: Row) => ((row[WRITE_TIME_COLUMN] ?? null) === null ? WRITE_TIME_COLUMN : undefined);

function stageCosts(): { validate: number; encode: number; json: number; rowsPerMessage: number } {
  const now = new Date();
  const messages: InboundMessage[] = generated(7)(MESSAGES).map((m, i) => ({ id: String(i), data: m.data, attributes: m.attributes, publishTime: now }));
  const rows: Record<RawTable, Row[]> = { orders: [], order_items: [], order_payments: [], dead_letter: [] };
  for (const message of messages) {
    const classified = classify(message, now);
    for (const table of TABLES) rows[table].push(...classified.rows[table]);
  }
  const specs = new Map(loadRawTables().map((t) => [t.name, t]));
  const encoders = new Map(TABLES.map((table) => [table, new RowEncoder(specs.get(table)!.fields)]));
  // The baseline's rows: the same values, with the TIMESTAMP bigints (which JSON.stringify refuses) as numbers.
  const converted: Record<string, unknown>[] = [];
  for (const table of TABLES) {
    for (const row of rows[table]) {
      const encoded = encoders.get(table)!.encode(row, deferred(row));
      if (!encoded.ok) throw new Error(`${table} row refused: ${encoded.reason}`);
      const copy: Record<string, unknown> = { ...row };
      for (const column in copy) if (typeof copy[column] === 'bigint') copy[column] = Number(copy[column]);
      converted.push(copy);
    }
  }
  let sink = 0;
  const costs = perMessage(messages.length, {
    validate: () => {
      for (const message of messages) sink += classify(message, now).kind.length;
    },
    encode: () => {
      for (const table of TABLES) {
        const encoder = encoders.get(table)!;
        for (const row of rows[table]) {
          const encoded = encoder.encode(row, deferred(row));
          sink += encoded.ok ? encoded.serialized.length : 0;
        }
      }
    },
    json: () => {
      for (const row of converted) sink += JSON.stringify(row).length;
    },
  });
  if (sink === 0) throw new Error('unreachable: keeps the loops from being optimised away');
  return { ...costs, rowsPerMessage: converted.length / messages.length };
}

const dir = await mkdtemp(join(tmpdir(), 'orderflow-bench-bigquery-'));
const emulator = await startEmulatorProcess();
const standIn = await startStandIn();
try {
  print(loadLine());
  const stages = stageCosts();
  print(`stages, each timed alone on ${MESSAGES} generated messages (${stages.rowsPerMessage.toFixed(2)} rows a message):`);
  print(`  validate + split:                ${stages.validate.toFixed(1)} µs/msg`);
  print(
    `  BigQuery encode (check, convert, protobuf): ${stages.encode.toFixed(1)} µs/msg = ${(stages.encode / stages.json).toFixed(2)}x JSON.stringify of the same rows (${stages.json.toFixed(1)} µs/msg; target <= 1.5x: ${verdict(stages.encode / stages.json <= 1.5)})`,
  );

  process.env.PUBSUB_EMULATOR_HOST = emulator.address;
  const client = new PubSub({ projectId: PROJECT });
  await benchTopic('duckdb');
  await benchTopic('bigquery');
  const database = join(dir, 'bench.duckdb');
  await setupDuckDBWarehouse(database);
  const bigquery = (): RowSink =>
    createBigQuerySink({
      projectId: 'orderflow-bench',
      logger: createLogger({ level: 'warn' }),
      clientOptions: { servicePath: '127.0.0.1', port: standIn.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' },
    });
  print(
    `end to end, pull mode (embedded emulator and the Storage Write stand-in each in a process of their own, one in-process worker): ${ROUNDS} rounds of ${MESSAGES} messages, DuckDB sink then BigQuery sink`,
  );
  const ratios: number[] = [];
  let seed = 300;
  for (let r = 1; r <= ROUNDS; r++) {
    const duck = await peakRss(() =>
      drainWithPullWorker(client, emulator.pid, 'duckdb', new DuckDBSink({ path: database, lockTimeoutMs: 30_000 }), ++seed, MESSAGES),
    );
    await duck.result.running.stop();
    const standInCpu = childCpu(standIn.pid);
    const big = await peakRss(() => drainWithPullWorker(client, emulator.pid, 'bigquery', bigquery(), ++seed, MESSAGES));
    await big.result.running.stop();
    const standInPerMessage = (childCpu(standIn.pid) - standInCpu) / MESSAGES;
    const ratio = big.result.rate / duck.result.rate;
    ratios.push(ratio);
    const send = big.result.cpu - stages.validate - stages.encode;
    print(`  round ${r}: DuckDB sink   ${duck.result.rate.toFixed(0)} msgs/s; ${duck.result.label}; peak RSS ${mb(duck.peak)}`);
    print(
      `           BigQuery sink ${big.result.rate.toFixed(0)} msgs/s = ${ratio.toFixed(2)}x DuckDB; ${big.result.label}, ${standInPerMessage.toFixed(0)} µs/msg in the stand-in; peak RSS ${mb(big.peak)}`,
    );
    print(
      `           worker CPU ${big.result.cpu.toFixed(0)} µs/msg = validate/split ${stages.validate.toFixed(0)} + encode ${stages.encode.toFixed(0)} + send and the rest (pull, ack, batching, gRPC) ${send.toFixed(0)}`,
    );
  }
  const median = quantile(ratios, 0.5);
  print(`  BigQuery sink vs DuckDB sink, median of ${ROUNDS} rounds: ${median.toFixed(2)}x (target >= 0.8x: ${verdict(median >= 0.8)})`);
  await client.close();
} finally {
  const decoded = await standIn.stop();
  print(`  the stand-in decoded ${decoded.rows} rows, ${decoded.decodeErrors} requests failed to decode`);
  print(loadLine());
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
}
