/**
 * npm run bench:batch — the write-audit-publish job on DuckDB, two measurements:
 *
 * 1. One day of 1,000,000 orders (~1.15M items): the full WAP run vs a bare CREATE TABLE AS of
 *    fact_sales alone (the same SQL, every model it reads inlined), same process, same file.
 *    Target: WAP <= 3x the bare build.
 * 2. One incremental day of 20,000 new orders (plus late updates to 5% of the previous day's) on
 *    top of 7 and of 180 published days of history (20,000 orders a day): the run's time, the raw
 *    rows it read, and the raw partitions its BigQuery statements would reference (ingested_at
 *    from the run's bound). Target: 180-day time <= 1.3x the 7-day time.
 *
 * Raw rows are generated in DuckDB itself (INSERT ... SELECT over range() with hash()-based
 * pseudo-random columns): the event generator + validator + appender would take minutes. Keys are
 * drawn from the dims snapshot the job loads, so every check runs on referentially complete data.
 *
 * Sizes (flag, env fallback, default): --orders / BENCH_ORDERS (1000000), --day-orders /
 * BENCH_DAY_ORDERS (20000), --history-days / BENCH_HISTORY_DAYS ("7,180"), --repeat / BENCH_REPEAT
 * (3: each incremental run is repeated on a copy of its prepared file, interleaved short/long, and
 * the fastest counts: the machine is shared), --skip-full / BENCH_SKIP_FULL=1. A brief run:
 * `npm run bench:batch -- --orders 200000 --day-orders 5000 --history-days 7,60 --repeat 1`.
 */
import { closeSync, copyFileSync, fsyncSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../../common/logger.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { Catalog, DEFAULT_SIZES } from '../../generator/catalog.ts';
import { writeSnapshot } from '../../generator/snapshot.ts';
import { inlinedSelect } from '../compile.ts';
import { NO_VARS } from '../dialect.ts';
import { loadDims, readDims } from '../dims.ts';
import { DuckDBWarehouse } from '../engines/duckdb.ts';
import type { QueryParams } from '../params.ts';
import { runBatch, type BatchResult } from '../job.ts';
import { loadModels } from '../models.ts';
import { compileProject } from '../project.ts';

const { values: flags } = parseArgs({
  options: {
    orders: { type: 'string', default: process.env.BENCH_ORDERS ?? '1000000' },
    'day-orders': { type: 'string', default: process.env.BENCH_DAY_ORDERS ?? '20000' },
    'history-days': { type: 'string', default: process.env.BENCH_HISTORY_DAYS ?? '7,180' },
    repeat: { type: 'string', default: process.env.BENCH_REPEAT ?? '3' },
    'skip-full': { type: 'boolean', default: process.env.BENCH_SKIP_FULL === '1' },
  },
});
const count = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number >= 1, got ${text}`);
    process.exit(2);
  }
  return n;
};
const ORDERS = count('orders', flags.orders);
const DAY_ORDERS = count('day-orders', flags['day-orders']);
const HISTORY_DAYS = flags['history-days'].split(',').map((d) => count('history-days', d));
const REPEAT = count('repeat', flags.repeat);
const DAY = '2026-11-20';
const dir = mkdtempSync(join(tmpdir(), 'orderflow-bench-batch-'));
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const quiet = createLogger({ level: 'silent' });

/** The DuckDB warehouse, timing every statement it runs (label = its first line, shortened). */
class TimedWarehouse extends DuckDBWarehouse {
  readonly timings = new Map<string, number>();
  timing = false;
  override async execute(sql: string, params?: QueryParams): Promise<void> {
    await this.timed(sql, () => super.execute(sql, params));
  }
  override async query(sql: string, params?: QueryParams) {
    return this.timed(sql, () => super.query(sql, params));
  }
  private async timed<T>(sql: string, work: () => Promise<T>): Promise<T> {
    if (!this.timing) return work();
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      const label = sql.trim().split('\n')[0]!.replace(/\s+/g, ' ').slice(0, 90);
      this.timings.set(label, (this.timings.get(label) ?? 0) + performance.now() - t0);
    }
  }
}

try {
  const dims = join(dir, 'dims');
  await writeSnapshot(new Catalog(1, DEFAULT_SIZES), new DirectoryStore(dims));
  if (!flags['skip-full']) await fullDay(dims);
  const prepared = [];
  for (const days of HISTORY_DAYS) prepared.push(await prepareHistory(dims, days));
  const runs = prepared.map((p) => ({ ...p, times: [] as number[], cpu: [] as number[], fastest: undefined as undefined | DayRun }));
  for (let rep = 0; rep < REPEAT; rep++) {
    for (const run of runs) {
      const day = await incrementalDay(dims, run.path, rep);
      run.times.push(day.seconds);
      run.cpu.push(day.cpuSeconds);
      if (!run.fastest || day.seconds < run.fastest.seconds) run.fastest = day;
    }
  }
  console.log(
    `load average (1, 5, 15 min) after the incremental runs: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const run of runs) {
    const { result } = run.fastest!;
    console.log(
      `incremental day of ${DAY_ORDERS} orders over ${run.days} days of history: ${run.fastest!.seconds.toFixed(2)} s (runs: ${run.times.map((t) => t.toFixed(2)).join(', ')}; ` +
        `CPU ${Math.min(...run.cpu).toFixed(2)} s, runs: ${run.cpu.map((t) => t.toFixed(2)).join(', ')}), ` +
        `${result.rawRowsRead} of ${run.rawRows} raw rows read, ${result.orders} orders re-derived`,
    );
    console.log(`  BigQuery plan (batch compile --engine bigquery for this run): ${bigqueryRawReads(result, run.days)}`);
  }
  if (runs.length >= 2) {
    const [short, long] = [runs[0]!, runs.at(-1)!];
    const ratio = long.fastest!.seconds / short.fastest!.seconds;
    const cpuRatio = Math.min(...long.cpu) / Math.min(...short.cpu);
    console.log(
      `ratio ${long.days} / ${short.days} days of history: ${ratio.toFixed(2)}x wall time (target <= 1.3x) ${ratio <= 1.3 ? 'OK' : 'OVER TARGET'}; ${cpuRatio.toFixed(2)}x CPU time`,
    );
    // Where the longer history costs more: the statements whose time grew most (ms, short -> long).
    const [a, b] = [short.fastest!.timings, long.fastest!.timings];
    const growth = [...b].map(([label, ms]) => ({ label, short: a.get(label) ?? 0, long: ms })).sort((x, y) => y.long - y.short - (x.long - x.short));
    for (const g of growth.slice(0, 5)) console.log(`  ${g.short.toFixed(0).padStart(6)} -> ${g.long.toFixed(0).padStart(6)} ms  ${g.label}`);
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The raw tables the day's statements read on BigQuery and the ingested_at filter each carries
 * (the partition column): the run's models and checks compiled for BigQuery with its variables,
 * plus the work selection's reads (batch/work.ts). Unfiltered reads scan every partition.
 */
function bigqueryRawReads(result: BatchResult, days: number): string {
  const files = compileProject({
    engine: 'bigquery',
    project: 'bench',
    timeZone: 'America/Sao_Paulo',
    asOf: DAY,
    rawFrom: result.rawFrom,
    watermark: result.watermark.previous,
  });
  const reads = new Map<string, Set<string>>();
  const ref = /`bench\.raw\.(\w+)`(?:\s+WHERE\s+(ingested_at\s*>=?\s*TIMESTAMP\s*'[^']+'))?/g;
  for (const [path, sql] of files) {
    if (!path.endsWith('.sql')) continue;
    for (const m of sql.matchAll(ref)) {
      const filter = m[2]?.replace(/\s+/g, ' ') ?? 'no ingested_at filter: every partition';
      if (!reads.has(filter)) reads.set(filter, new Set());
      reads.get(filter)!.add(`${m[1]} (${path.replace(/^\w+\/(?:\w+\/)?|\.sql$/g, '')})`);
    }
  }
  const partitions = result.rawFrom === null ? 'all' : `${daysBetween(result.rawFrom.slice(0, 10), result.watermark.next!.slice(0, 10)) + 1} of ${days + 1}`;
  const since = result.watermark.previous === null ? 'all of raw' : `ingested_at > the last watermark ${result.watermark.previous}`;
  return (
    [...reads].map(([filter, tables]) => `${filter}: ${[...tables].join(', ')}`).join('; ') +
    `; work selection: ${since}; partitions (ingested_at days) read: ${partitions}`
  );
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

async function fullDay(dims: string): Promise<void> {
  await withDuckDBFile(
    join(dir, 'full.duckdb'),
    async (connection) => {
      const warehouse = new DuckDBWarehouse(connection);
      await warehouse.prepare();
      const t0 = performance.now();
      await generateRaw(warehouse, dims, { firstDay: DAY, days: 1, perDay: ORDERS, prefix: 'order', ingestDelay: '2 SECOND' });
      const [counts] = await warehouse.query(`SELECT (SELECT COUNT(*) FROM raw.orders) AS orders, (SELECT COUNT(*) FROM raw.order_items) AS items,
      (SELECT COUNT(*) FROM raw.order_payments) AS payments`);
      console.log(`raw rows generated in ${seconds(t0).toFixed(1)} s: ${JSON.stringify(counts)}`);

      // The bare build: fact_sales alone, one CREATE TABLE AS with its upstream models inlined (dedupe, allocation, dims).
      await loadDims(warehouse, await readDims(new DirectoryStore(dims)));
      const models = loadModels();
      await warehouse.execute('CREATE SCHEMA IF NOT EXISTS audit');
      await warehouse.execute('CREATE OR REPLACE TABLE audit.work_orders AS SELECT DISTINCT order_id FROM raw.orders');
      const vars = { ...NO_VARS, timeZone: 'America/Sao_Paulo', dates: [DAY], asOf: DAY, now: new Date(`${DAY}T23:59:00Z`) };
      const bare = `CREATE OR REPLACE TABLE main.fact_sales_bare AS\n${inlinedSelect(
        models.find((m) => m.name === 'fact_sales')!,
        models,
        warehouse.target,
        vars,
      )}`;
      const t1 = performance.now();
      await warehouse.execute(bare);
      const bareSeconds = seconds(t1);
      const [bareRows] = await warehouse.query('SELECT COUNT(*) AS n FROM main.fact_sales_bare');

      const steps: string[] = [];
      const stepLog = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) {
            const entry = JSON.parse(line) as { step?: string; duration_ms?: number };
            if (entry.step) steps.push(`${entry.step} ${((entry.duration_ms ?? 0) / 1000).toFixed(2)} s`);
          }
          done();
        },
      });
      const t2 = performance.now();
      const result = await runBatch(warehouse, {
        requested: [],
        dims: new DirectoryStore(dims),
        reports: new DirectoryStore(join(dir, 'reports')),
        noPublish: false,
        lookbackDays: 0,
        runId: 'bench',
        now: () => new Date(`${DAY}T23:59:00Z`),
        logger: createLogger({ level: 'info', destination: stepLog }),
      });
      const wapSeconds = seconds(t2);
      const [published] = await warehouse.query('SELECT COUNT(*) AS n FROM mart.fact_sales');
      if (result.status !== 'published')
        throw new Error(
          `the WAP run did not publish: ${result.checks
            .filter((c) => c.status === 'fail')
            .map((c) => c.name)
            .join(', ')}`,
        );

      const ratio = wapSeconds / bareSeconds;
      console.log(`bare CREATE TABLE AS fact_sales: ${bareSeconds.toFixed(2)} s (${String(bareRows!.n)} rows)`);
      console.log(
        `full write-audit-publish:        ${wapSeconds.toFixed(2)} s (${String(published!.n)} fact rows published, ${result.checks.length} checks, dates ${result.dates.join(',')})`,
      );
      console.log(`  steps: ${steps.join(', ')}`);
      console.log(`ratio WAP / bare: ${ratio.toFixed(2)}x (target <= 3x) ${ratio <= 3 ? 'OK' : 'OVER TARGET'}`);
    },
    { lockTimeoutMs: 1000 },
  );
}

function dayOptions(dims: string) {
  return { dims: new DirectoryStore(dims), noPublish: false, lookbackDays: 0, logger: quiet };
}

interface DayRun {
  seconds: number;
  /** CPU seconds of the process (every DuckDB thread) during the run: less swayed by other load than wall time. */
  cpuSeconds: number;
  result: BatchResult;
  timings: Map<string, number>;
}

/**
 * `days` days of history published first, then one new day written to raw: DAY_ORDERS new orders
 * and an approval of 5% of the previous day's orders, ingested after the watermark. Not timed;
 * the file is kept for incrementalDay to run on copies of.
 */
async function prepareHistory(dims: string, days: number): Promise<{ days: number; path: string; rawRows: number }> {
  const path = join(dir, `history-${days}.duckdb`);
  const rawRows = await withDuckDBFile(
    path,
    async (connection) => {
      const warehouse = new DuckDBWarehouse(connection);
      await warehouse.prepare();
      const first = new Date(Date.parse(`${DAY}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
      await generateRaw(warehouse, dims, { firstDay: first, days, perDay: DAY_ORDERS, prefix: 'history', ingestDelay: '2 SECOND' });
      const history = await runBatch(warehouse, { ...dayOptions(dims), requested: [], runId: `history-${days}`, now: () => new Date(`${DAY}T00:30:00Z`) });
      if (history.status !== 'published')
        throw new Error(
          `history did not publish: ${history.checks
            .filter((c) => c.status === 'fail')
            .map((c) => c.name)
            .join(', ')}`,
        );
      await generateRaw(warehouse, dims, { firstDay: DAY, days: 1, perDay: DAY_ORDERS, prefix: 'today', ingestDelay: '2 SECOND' });
      await approveSome(warehouse, `${DAY} 23:00:00`);
      await warehouse.execute('CHECKPOINT');
      const [raw] = await warehouse.query(
        'SELECT (SELECT COUNT(*) FROM raw.orders) + (SELECT COUNT(*) FROM raw.order_items) + (SELECT COUNT(*) FROM raw.order_payments) AS n',
      );
      return Number(raw!.n);
    },
    { lockTimeoutMs: 1000 },
  );
  return { days, path, rawRows };
}

/** Times the day's run on a fresh copy of a prepared file. */
async function incrementalDay(dims: string, prepared: string, rep: number): Promise<DayRun> {
  const copy = `${prepared}.run-${rep}`;
  copyFileSync(prepared, copy);
  // Flushed before the clock starts: the run's checkpoint fsyncs the file, which would otherwise
  // write the whole copy (a cost growing with history that no real run pays).
  const fd = openSync(copy, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  try {
    return await withDuckDBFile(
      copy,
      async (connection) => {
        const warehouse = new TimedWarehouse(connection);
        warehouse.timing = true;
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const result = await runBatch(warehouse, { ...dayOptions(dims), requested: [], runId: `day-${rep}`, now: () => new Date(`${DAY}T23:59:00Z`) });
        const took = seconds(t0);
        const cpu = process.cpuUsage(cpu0);
        if (result.status !== 'published')
          throw new Error(
            `the incremental day did not publish: ${result.checks
              .filter((c) => c.status === 'fail')
              .map((c) => c.name)
              .join(', ')}`,
          );
        return { seconds: took, cpuSeconds: (cpu.user + cpu.system) / 1e6, result, timings: warehouse.timings };
      },
      { lockTimeoutMs: 1000 },
    );
  } finally {
    rmSync(copy, { force: true });
  }
}

/** An approval event for 5% of the orders bought the day before DAY, ingested at `at`. */
async function approveSome(warehouse: DuckDBWarehouse, at: string): Promise<void> {
  await warehouse.execute(`INSERT INTO raw.orders BY NAME
    SELECT * REPLACE ('approved' AS order_status, order_purchase_timestamp + INTERVAL 30 MINUTE AS order_approved_at, event_id || '.late' AS event_id,
      'order_updated' AS event_type, 2 AS event_sequence, TIMESTAMP '${at}' AS event_time, message_id || '.late' AS message_id,
      TIMESTAMP '${at}' AS publish_time, TIMESTAMP '${at}' AS ingested_at)
    FROM raw.orders
    WHERE order_purchase_timestamp >= TIMESTAMP '${DAY}' - INTERVAL 1 DAY AND order_purchase_timestamp < TIMESTAMP '${DAY}' AND hash(order_id, 'late') % 100 < 5`);
}

interface RawDays {
  firstDay: string;
  days: number;
  perDay: number;
  /** Makes order ids unique across calls. */
  prefix: string;
  /** How long after its purchase a row is ingested. */
  ingestDelay: string;
}

/** Days of orders, items and payments as the worker would have written them, generated by DuckDB. */
async function generateRaw(warehouse: DuckDBWarehouse, dims: string, raw: RawDays): Promise<void> {
  const csv = (file: string) => `read_csv('${join(dims, file)}', all_varchar = true, header = true)`;
  await warehouse.execute(
    `CREATE OR REPLACE TEMP TABLE customers AS SELECT row_number() OVER () - 1 AS idx, customer_id FROM ${csv('olist_customers_dataset.csv')}`,
  );
  await warehouse.execute(
    `CREATE OR REPLACE TEMP TABLE products AS SELECT row_number() OVER () - 1 AS idx, product_id FROM ${csv('olist_products_dataset.csv')}`,
  );
  await warehouse.execute(`CREATE OR REPLACE TEMP TABLE sellers AS SELECT row_number() OVER () - 1 AS idx, seller_id FROM ${csv('olist_sellers_dataset.csv')}`);
  const [sizes] = await warehouse.query(
    'SELECT (SELECT COUNT(*) FROM customers) AS c, (SELECT COUNT(*) FROM products) AS p, (SELECT COUNT(*) FROM sellers) AS s',
  );
  const { c, p, s } = sizes as { c: string; p: string; s: string };
  const total = raw.days * raw.perDay;
  // Per order: purchase time spread over its day, a customer, 1-4 items (~1.15 on average).
  await warehouse.execute(`CREATE OR REPLACE TEMP TABLE bench_orders AS
    SELECT
      i,
      md5('${raw.prefix}' || i) AS order_id,
      TIMESTAMP '${raw.firstDay} 00:00:00' + INTERVAL (i // ${raw.perDay}) DAY + to_microseconds(CAST((i % ${raw.perDay}) * 86400000000 // ${raw.perDay} AS BIGINT)) AS purchase_ts,
      hash(i, '${raw.prefix}', 'customer') % ${c} AS customer_idx,
      CASE WHEN hash(i, 'n') % 1000 < 888 THEN 1 WHEN hash(i, 'n') % 1000 < 970 THEN 2 WHEN hash(i, 'n') % 1000 < 992 THEN 3 ELSE 4 END AS item_count
    FROM range(${total}) AS r(i)`);
  const meta = (
    at: string,
    version: string,
  ) => `md5('${raw.prefix}' || o.i) || '.${version}' AS event_id, ${version === '1' ? "'order_created'" : "'order_updated'"} AS event_type,
      ${version} AS event_sequence, ${at} AS event_time, 'msg-${raw.prefix}-' || o.i || '-${version}' AS message_id, ${at} + INTERVAL 1 SECOND AS publish_time,
      ${at} + INTERVAL ${raw.ingestDelay} AS ingested_at`;
  const order = (status: string, approved: string, at: string, version: string, customer: boolean) => `INSERT INTO raw.orders BY NAME
    SELECT o.order_id, c.customer_id, '${status}' AS order_status, o.purchase_ts AS order_purchase_timestamp, ${approved} AS order_approved_at,
      NULL AS order_delivered_carrier_date, NULL AS order_delivered_customer_date, CAST(o.purchase_ts AS DATE) + INTERVAL 20 DAY AS order_estimated_delivery_date,
      ${customer ? "md5('person' || o.customer_idx)" : 'NULL'} AS customer_unique_id, ${customer ? "lpad(CAST(o.customer_idx % 99999 AS VARCHAR), 5, '0')" : 'NULL'} AS customer_zip_code_prefix,
      ${customer ? "'sao paulo'" : 'NULL'} AS customer_city, ${customer ? "'SP'" : 'NULL'} AS customer_state, FALSE AS payment_mismatch,
      FALSE AS no_items, FALSE AS no_payments, FALSE AS timestamp_before_purchase, ${meta(at, version)}
    FROM bench_orders AS o JOIN customers AS c ON c.idx = o.customer_idx`;
  await warehouse.execute(order('created', 'NULL', 'o.purchase_ts', '1', true));
  // 5% of orders are approved later: a second event per key for the dedupe to resolve.
  await warehouse.execute(
    `${order('approved', 'o.purchase_ts + INTERVAL 30 MINUTE', 'o.purchase_ts + INTERVAL 30 MINUTE', '2', false)} WHERE hash(o.i, 'update') % 100 < 5`,
  );
  await warehouse.execute(`INSERT INTO raw.order_items BY NAME
    SELECT o.order_id, n AS order_item_id, p.product_id, s.seller_id, o.purchase_ts + INTERVAL 5 DAY AS shipping_limit_date,
      CAST((hash(o.i, n, 'price') % 30000 + 85) / 100 AS DECIMAL(12, 2)) AS price, CAST((hash(o.i, n, 'freight') % 4000) / 100 AS DECIMAL(12, 2)) AS freight_value,
      ${meta('o.purchase_ts', '1')}
    FROM bench_orders AS o
    CROSS JOIN LATERAL (SELECT unnest(range(1, o.item_count + 1)) AS n) AS lines
    JOIN products AS p ON p.idx = hash(o.i, n, 'product') % ${p}
    JOIN sellers AS s ON s.idx = hash(o.i, 'seller') % ${s}`);
  await warehouse.execute(`INSERT INTO raw.order_payments BY NAME
    SELECT o.order_id, 1 AS payment_sequential, 'credit_card' AS payment_type, 1 + hash(o.i, 'installments') % 10 AS payment_installments,
      SUM(items.price + items.freight_value) AS payment_value, ${meta('o.purchase_ts', '1')}
    FROM bench_orders AS o JOIN raw.order_items AS items ON items.order_id = o.order_id
    GROUP BY ALL`);
}
