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
 * BENCH_ORDERS, BENCH_DAY_ORDERS, BENCH_HISTORY_DAYS (e.g. "7,180") and BENCH_SKIP_FULL=1 scale it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { createLogger } from '../../common/logger.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { Catalog, DEFAULT_SIZES } from '../../generator/catalog.ts';
import { writeSnapshot } from '../../generator/snapshot.ts';
import { inlinedSelect } from '../compile.ts';
import { NO_VARS } from '../dialect.ts';
import { loadDims, readDims } from '../dims.ts';
import { DuckDBWarehouse } from '../engines/duckdb.ts';
import { runBatch, type BatchResult } from '../job.ts';
import { loadModels } from '../models.ts';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const DAY_ORDERS = Number(process.env.BENCH_DAY_ORDERS ?? 20_000);
const HISTORY_DAYS = (process.env.BENCH_HISTORY_DAYS ?? '7,180').split(',').map(Number);
const DAY = '2026-11-20';
const dir = mkdtempSync(join(tmpdir(), 'orderflow-bench-batch-'));
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const quiet = createLogger({ level: 'silent' });

try {
  const dims = join(dir, 'dims');
  await writeSnapshot(new Catalog(1, DEFAULT_SIZES), new DirectoryStore(dims));
  if (process.env.BENCH_SKIP_FULL !== '1') await fullDay(dims);
  const incremental: { days: number; seconds: number; result: BatchResult; rawRows: number }[] = [];
  for (const days of HISTORY_DAYS) incremental.push({ days, ...(await incrementalDay(dims, days)) });
  for (const run of incremental) {
    const partitions = run.result.rawFrom === null ? 'all' : String(daysBetween(run.result.rawFrom.slice(0, 10), run.result.watermark.next!.slice(0, 10)) + 1);
    console.log(`incremental day of ${DAY_ORDERS} orders over ${run.days} days of history: ${run.seconds.toFixed(2)} s, ${run.result.rawRowsRead} of ${run.rawRows} raw rows read, `
      + `${run.result.orders} orders re-derived; BigQuery plan: raw partitions (ingested_at days) ${run.result.rawFrom?.slice(0, 10) ?? 'all'}..${run.result.watermark.next?.slice(0, 10)} = ${partitions} of ${run.days + 1}`);
  }
  if (incremental.length >= 2) {
    const [short, long] = [incremental[0]!, incremental.at(-1)!];
    const ratio = long.seconds / short.seconds;
    console.log(`ratio ${long.days} / ${short.days} days of history: ${ratio.toFixed(2)}x (target <= 1.3x) ${ratio <= 1.3 ? 'OK' : 'OVER TARGET'}`);
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

async function fullDay(dims: string): Promise<void> {
  await withDuckDBFile(join(dir, 'full.duckdb'), async (connection) => {
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
    const bare = `CREATE OR REPLACE TABLE main.fact_sales_bare AS\n${inlinedSelect(models.find((m) => m.name === 'fact_sales')!, models, warehouse.target, vars)}`;
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
      requested: [], dims: new DirectoryStore(dims), reports: new DirectoryStore(join(dir, 'reports')), noPublish: false, lookbackDays: 0,
      runId: 'bench', now: () => new Date(`${DAY}T23:59:00Z`), logger: createLogger({ level: 'info', destination: stepLog }),
    });
    const wapSeconds = seconds(t2);
    const [published] = await warehouse.query('SELECT COUNT(*) AS n FROM mart.fact_sales');
    if (result.status !== 'published') throw new Error(`the WAP run did not publish: ${result.checks.filter((c) => c.status === 'fail').map((c) => c.name).join(', ')}`);

    const ratio = wapSeconds / bareSeconds;
    console.log(`bare CREATE TABLE AS fact_sales: ${bareSeconds.toFixed(2)} s (${String(bareRows!.n)} rows)`);
    console.log(`full write-audit-publish:        ${wapSeconds.toFixed(2)} s (${String(published!.n)} fact rows published, ${result.checks.length} checks, dates ${result.dates.join(',')})`);
    console.log(`  steps: ${steps.join(', ')}`);
    console.log(`ratio WAP / bare: ${ratio.toFixed(2)}x (target <= 3x) ${ratio <= 3 ? 'OK' : 'OVER TARGET'}`);
  }, { lockTimeoutMs: 1000 });
}

/**
 * `days` days of history published first (not timed), then one new day: DAY_ORDERS new orders
 * and an approval of 5% of the previous day's orders, ingested after the watermark. Times the run.
 */
async function incrementalDay(dims: string, days: number): Promise<{ seconds: number; result: BatchResult; rawRows: number }> {
  return withDuckDBFile(join(dir, `history-${days}.duckdb`), async (connection) => {
    const warehouse = new DuckDBWarehouse(connection);
    await warehouse.prepare();
    const first = new Date(Date.parse(`${DAY}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
    await generateRaw(warehouse, dims, { firstDay: first, days, perDay: DAY_ORDERS, prefix: 'history', ingestDelay: '2 SECOND' });
    const options = { dims: new DirectoryStore(dims), noPublish: false, lookbackDays: 0, logger: quiet };
    const history = await runBatch(warehouse, { ...options, requested: [], runId: `history-${days}`, now: () => new Date(`${DAY}T00:30:00Z`) });
    if (history.status !== 'published') throw new Error(`history did not publish: ${history.checks.filter((c) => c.status === 'fail').map((c) => c.name).join(', ')}`);
    await generateRaw(warehouse, dims, { firstDay: DAY, days: 1, perDay: DAY_ORDERS, prefix: 'today', ingestDelay: '2 SECOND' });
    await approveSome(warehouse, `${DAY} 23:00:00`);
    const [raw] = await warehouse.query('SELECT (SELECT COUNT(*) FROM raw.orders) + (SELECT COUNT(*) FROM raw.order_items) + (SELECT COUNT(*) FROM raw.order_payments) AS n');
    const t0 = performance.now();
    const result = await runBatch(warehouse, { ...options, requested: [], runId: `day-${days}`, now: () => new Date(`${DAY}T23:59:00Z`) });
    const took = seconds(t0);
    if (result.status !== 'published') throw new Error(`the incremental day did not publish: ${result.checks.filter((c) => c.status === 'fail').map((c) => c.name).join(', ')}`);
    return { seconds: took, result, rawRows: Number(raw!.n) };
  }, { lockTimeoutMs: 1000 });
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
  await warehouse.execute(`CREATE OR REPLACE TEMP TABLE customers AS SELECT row_number() OVER () - 1 AS idx, customer_id FROM ${csv('olist_customers_dataset.csv')}`);
  await warehouse.execute(`CREATE OR REPLACE TEMP TABLE products AS SELECT row_number() OVER () - 1 AS idx, product_id FROM ${csv('olist_products_dataset.csv')}`);
  await warehouse.execute(`CREATE OR REPLACE TEMP TABLE sellers AS SELECT row_number() OVER () - 1 AS idx, seller_id FROM ${csv('olist_sellers_dataset.csv')}`);
  const [sizes] = await warehouse.query('SELECT (SELECT COUNT(*) FROM customers) AS c, (SELECT COUNT(*) FROM products) AS p, (SELECT COUNT(*) FROM sellers) AS s');
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
  const meta = (at: string, version: string) => `md5('${raw.prefix}' || o.i) || '.${version}' AS event_id, ${version === '1' ? "'order_created'" : "'order_updated'"} AS event_type,
      ${version} AS event_sequence, ${at} AS event_time, 'msg-${raw.prefix}-' || o.i || '-${version}' AS message_id, ${at} + INTERVAL 1 SECOND AS publish_time,
      ${at} + INTERVAL ${raw.ingestDelay} AS ingested_at`;
  const order = (status: string, approved: string, at: string, version: string, customer: boolean) => `INSERT INTO raw.orders BY NAME
    SELECT o.order_id, c.customer_id, '${status}' AS order_status, o.purchase_ts AS order_purchase_timestamp, ${approved} AS order_approved_at,
      NULL AS order_delivered_carrier_date, NULL AS order_delivered_customer_date, CAST(o.purchase_ts AS DATE) + INTERVAL 20 DAY AS order_estimated_delivery_date,
      ${customer ? "md5('person' || o.customer_idx)" : 'NULL'} AS customer_unique_id, ${customer ? "lpad(CAST(o.customer_idx % 99999 AS VARCHAR), 5, '0')" : 'NULL'} AS customer_zip_code_prefix,
      ${customer ? "'sao paulo'" : 'NULL'} AS customer_city, ${customer ? "'SP'" : 'NULL'} AS customer_state, FALSE AS payment_mismatch, ${meta(at, version)}
    FROM bench_orders AS o JOIN customers AS c ON c.idx = o.customer_idx`;
  await warehouse.execute(order('created', 'NULL', 'o.purchase_ts', '1', true));
  // 5% of orders are approved later: a second event per key for the dedupe to resolve.
  await warehouse.execute(`${order('approved', 'o.purchase_ts + INTERVAL 30 MINUTE', 'o.purchase_ts + INTERVAL 30 MINUTE', '2', false)} WHERE hash(o.i, 'update') % 100 < 5`);
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
