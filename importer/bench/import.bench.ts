// npm run bench:import — a Kaggle-size Olist-format folder (generated, ~100k orders) through
// `import olist` to an NDJSON file and to Pub/Sub (the embedded emulator, its own process):
// events a second for each, and the import's peak RSS. Baselines in the same run: parsing the same
// CSVs with csv-parse alone, and publishing the same number of ready-made messages through the same
// Pub/Sub output. BENCH_ORDERS sets the size (default 99,441, the real dataset's).
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PubSub } from '@google-cloud/pubsub';
import { parse } from 'csv-parse';
import { createLogger } from '../../common/logger.ts';
import { PubSubOutput } from '../../generator/outputs/pubsub-output.ts';
import { startEmulatorProcess } from '../../local/bench/emulator-process.ts';
import { HISTORY_FILES } from '../olist/files.ts';
import { writeOlistDataset } from './olist-dataset.ts';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 99_441);
const PROJECT = 'bench-import';
const dir = await mkdtemp(join(tmpdir(), 'olist-bench-'));
const child = fileURLToPath(new URL('./import-child.ts', import.meta.url));
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

interface ChildResult {
  events: number;
  failed: number;
  seconds: number;
  maxRssKb: number;
  orders: number;
}
const runChild = (out: string, ordering: 'ordered' | 'unordered', env: NodeJS.ProcessEnv = {}): ChildResult =>
  JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', child, dir, out, PROJECT, ordering], { encoding: 'utf8', env: { ...process.env, ...env } }),
  ) as ChildResult;

try {
  let t = performance.now();
  const counts = await writeOlistDataset(dir, ORDERS);
  console.log(
    `dataset: ${Object.entries(counts)
      .map(([file, rows]) => `${file} ${rows}`)
      .join(', ')} rows in ${((performance.now() - t) / 1000).toFixed(1)} s (${dir})`,
  );

  // Baseline 1: csv-parse alone over the same four files, records discarded.
  t = performance.now();
  let records = 0;
  for (const { file } of Object.values(HISTORY_FILES)) {
    for await (const _ of createReadStream(join(dir, file)).pipe(parse({ bom: true, columns: true }))) records += 1;
  }
  const parseSeconds = (performance.now() - t) / 1000;
  console.log(`baseline csv-parse of the four files: ${records} rows in ${parseSeconds.toFixed(2)} s`);

  const file = runChild(join(dir, 'events.ndjson'), 'unordered');
  const bytes = (await stat(join(dir, 'events.ndjson'))).size;
  console.log(
    `import -> NDJSON file: ${file.orders} orders, ${file.events} events in ${file.seconds.toFixed(2)} s = ${Math.round(file.events / file.seconds)} events/s ` +
      `(${(file.seconds / parseSeconds).toFixed(1)}x the csv-parse baseline); ${(bytes / 2 ** 20).toFixed(0)} MiB; peak RSS ${mb(file.maxRssKb)}`,
  );

  const emulator = await startEmulatorProcess();
  try {
    process.env.PUBSUB_EMULATOR_HOST = emulator.address;
    process.env.METADATA_SERVER_DETECTION = 'none';
    const client = new PubSub({ projectId: PROJECT });
    await client.createTopic('orders');
    await client.close();
    const published = runChild('pubsub', 'unordered', { PUBSUB_EMULATOR_HOST: emulator.address, METADATA_SERVER_DETECTION: 'none' });
    console.log(
      `import -> Pub/Sub (embedded emulator, import's default: no ordering key): ${published.events} events in ${published.seconds.toFixed(2)} s = ` +
        `${Math.round(published.events / published.seconds)} events/s; failed ${published.failed}; peak RSS ${mb(published.maxRssKb)}`,
    );

    // Baseline 2: the same number of ~600-byte messages, already made, through the same output.
    const output = new PubSubOutput({ projectId: PROJECT, topic: 'orders', maxInFlight: 2000, ordering: false, logger: createLogger({ level: 'warn' }) });
    const data = Buffer.alloc(600, 'x');
    t = performance.now();
    for (let i = 0; i < published.events; i++) {
      await output.send({ data, attributes: { event_id: `b-${i}` }, orderingKey: `k${i % ORDERS}`, kind: 'created' });
    }
    await output.close();
    const bareSeconds = (performance.now() - t) / 1000;
    console.log(
      `baseline publish of as many ready-made 600-byte messages: ${Math.round(published.events / bareSeconds)} events/s; import -> Pub/Sub ran at ${(bareSeconds / published.seconds).toFixed(2)}x of it`,
    );
    if (process.env.BENCH_ORDERED) {
      // With order_id as the ordering key the client batches per key: ~4 events a batch, one batch in flight per key.
      const ordered = runChild('pubsub', 'ordered', { PUBSUB_EMULATOR_HOST: emulator.address, METADATA_SERVER_DETECTION: 'none' });
      console.log(`import -> Pub/Sub with ordering keys: ${Math.round(ordered.events / ordered.seconds)} events/s; peak RSS ${mb(ordered.maxRssKb)}`);
    }
  } finally {
    await emulator.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
