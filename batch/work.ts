import { NO_VARS, render, type RenderVars } from './dialect.ts';
import { Bindings } from './params.ts';
import type { Warehouse } from './engines/warehouse.ts';

/** What a run rebuilds, and from which raw rows. */
export interface WorkSelection {
  /** Orders the run re-derives (kept in audit.work_orders): touched since the watermark, or of the dates asked for. */
  orders: number;
  /** Rows ingested after this (the last watermark, or its window when rows landed late, minus the lookback) are new; null = everything. */
  since: string | null;
  /** The earliest ingested_at any raw row of those orders carries (the raw reads' partition bound); null = read raw whole. */
  rawFrom: string | null;
  /** The newest ingested_at in the raw tables now: the watermark once this run publishes. */
  nextWatermark: string | null;
  /** The safety window behind nextWatermark and the raw rows in it now, recorded for the next run. */
  window: { from: string | null; rows: number };
  /** Rows committed into the last run's window after it read them (0 = none; the window is then not reread). */
  lateRows: number;
}

export interface WorkRequest {
  /** The last published run's watermark (naive-UTC text), null before the first publish. */
  watermark: string | null;
  /** The last published run's window (from, exclusive, to its watermark) and the raw rows it held then. */
  window: { from: string | null; rows: number };
  /**
   * How far behind the newest ingested_at a row may still become visible (ms): the run records
   * how many rows that window held, and the next run rereads the window when the count changed.
   */
  safetyWindowMs: number;
  lookbackDays: number;
  /** Local purchase dates asked for (--date, --from/--to): their orders are rebuilt whatever was ingested. */
  requested: readonly string[];
  /** Every order in raw and mart (--full-refresh). */
  everything: boolean;
  timeZone: string;
  martTables: ReadonlySet<string>;
}

/** Moves a naive-UTC timestamp text back by whole days (a safety margin for rows that become visible late). */
export function daysBefore(timestamp: string, days: number): string {
  if (days === 0) return timestamp;
  const [date, time] = timestamp.split(' ');
  const shifted = new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  return `${shifted} ${time}`;
}

/** A naive-UTC timestamp text moved back by ms, in the same microsecond text form. */
export function msBefore(timestamp: string, ms: number): string {
  const [, fraction = ''] = timestamp.split('.');
  const micros = fraction.padEnd(6, '0').slice(0, 6);
  const whole = Date.parse(`${timestamp.slice(0, 19).replace(' ', 'T')}Z`) - ms;
  return `${new Date(whole).toISOString().slice(0, 19).replace('T', ' ')}.${micros}`;
}

/**
 * Selects the run's orders into audit.work_orders: every order with a row (order, item or
 * payment) ingested after `since` — a late update re-derives that order alone — plus the orders
 * of the dates asked for (found in raw and in the published facts). Then bounds the raw reads:
 * an order's raw rows are never older than its first ingestion, which the published fact keeps,
 * so the run reads raw partitions from the oldest touched order's, not the whole history.
 */
export async function selectWork(warehouse: Warehouse, request: WorkRequest): Promise<WorkSelection> {
  const { target } = warehouse;
  const vars: RenderVars = { ...NO_VARS, dates: request.requested, timeZone: request.timeZone, martTables: request.martTables };
  // Each statement is written against its own Bindings: its values travel as its query parameters.
  const query = async (sql: (b: Bindings) => string) => {
    const b = new Bindings(target.engine);
    const rendered = render(sql(b), { target, vars });
    return (await warehouse.query(rendered, b.params))[0];
  };
  const text = (value: unknown) => (value as string | null | undefined) ?? null;
  // Read the next watermark first: rows landing while the orders are read are picked up next run.
  // Raw only grows past the last watermark, so its newest row is read from there (BigQuery prunes
  // the older partitions); raw emptied since (tests) keeps the old watermark.
  const newer = (b: Bindings) => (request.watermark === null ? '' : ` WHERE ingested_at >= ${b.timestamp('watermark', request.watermark)}`);
  const nextWatermark =
    text(
      (
        await query(
          (b) => `WITH latest AS (
  SELECT MAX(ingested_at) AS ingested_at FROM {{ source('orders') }}${newer(b)}
  UNION ALL
  SELECT MAX(ingested_at) FROM {{ source('order_items') }}${newer(b)}
  UNION ALL
  SELECT MAX(ingested_at) FROM {{ source('order_payments') }}${newer(b)}
)

SELECT {{ timestamp_text('MAX(ingested_at)') }} AS watermark FROM latest`,
        )
      )?.watermark,
    ) ?? request.watermark;
  const window = { from: nextWatermark === null ? null : msBefore(nextWatermark, request.safetyWindowMs), rows: 0 };
  if (window.from !== null) window.rows = await rowsBetween(query, window.from, nextWatermark!);
  // Rows that became visible inside the last run's window after it read them: the window is read
  // again. Otherwise the run starts at the watermark, and a steady state has no work at all.
  let lateRows = 0;
  if (request.watermark !== null && request.window.from !== null) {
    lateRows = (await rowsBetween(query, request.window.from, request.watermark)) - request.window.rows;
  }
  const start = request.watermark === null || request.everything ? null : lateRows !== 0 ? request.window.from : request.watermark;
  const since = start === null ? null : daysBefore(start, request.lookbackDays);
  const work = new Bindings(target.engine);
  await warehouse.execute(render(workOrdersSql(work, since, request), { target, vars }), work.params);
  const bounds = await query(() => boundsSql(request.martTables));
  const orders = Number(bounds?.orders ?? 0);
  const firstIngested = text(bounds?.first_ingested_at);
  // A backfill finds its orders by purchase date, whose raw rows can lie anywhere.
  const unbounded = since === null || request.requested.length > 0;
  const margin = firstIngested === null ? null : msBefore(firstIngested, request.safetyWindowMs);
  const rawFrom = unbounded ? null : margin !== null && margin < since ? margin : since;
  return { orders, since, rawFrom, nextWatermark, window, lateRows };
}

/** Raw rows (all three tables) with ingested_at in (from, to]. */
async function rowsBetween(query: (sql: (b: Bindings) => string) => Promise<Record<string, unknown> | undefined>, from: string, to: string): Promise<number> {
  const range = (b: Bindings) => `ingested_at > ${b.timestamp('window_from', from)} AND ingested_at <= ${b.timestamp('window_to', to)}`;
  const counts = (b: Bindings) => RAW_TABLES.map((table) => `(SELECT COUNT(*) FROM {{ source('${table}') }} WHERE ${range(b)})`).join(' + ');
  return Number((await query((b) => `SELECT ${counts(b)} AS row_count`))?.row_count ?? 0);
}

function workOrdersSql(b: Bindings, since: string | null, request: WorkRequest): string {
  const after = since === null ? '' : ` WHERE ingested_at > ${b.timestamp('since', since)}`;
  const parts = RAW_TABLES.map((table) => `SELECT order_id FROM {{ source('${table}') }}${after}`);
  // The dates asked for (--date, --from/--to), as DATE parameters.
  const requested = () => request.requested.map((d, i) => b.date(`date_${i + 1}`, d)).join(', ');
  if (since !== null && request.requested.length > 0) {
    parts.push(`SELECT order_id FROM {{ source('orders') }} WHERE {{ local_date('order_purchase_timestamp') }} IN (${requested()})`);
  }
  // Published orders of the dates asked for are re-derived too (those whose raw rows expired keep their facts).
  if (request.martTables.has('fact_orders') && (request.everything || request.requested.length > 0)) {
    parts.push(`SELECT order_id FROM {{ mart('fact_orders') }}${request.everything ? '' : ` WHERE purchase_date IN (${requested()})`}`);
  }
  return `CREATE OR REPLACE TABLE {{ audit('work_orders') }} AS
SELECT DISTINCT order_id FROM (
  ${parts.join('\n  UNION ALL\n  ')}
) AS touched`;
}

const RAW_TABLES = ['orders', 'order_items', 'order_payments'] as const;

function boundsSql(martTables: ReadonlySet<string>): string {
  const first = martTables.has('fact_orders')
    ? `(SELECT {{ timestamp_text('MIN(first_ingested_at)') }} FROM {{ mart('fact_orders') }} WHERE order_id IN (SELECT order_id FROM {{ audit('work_orders') }}))`
    : 'CAST(NULL AS {{ string_type() }})';
  return `SELECT (SELECT COUNT(*) FROM {{ audit('work_orders') }}) AS orders, ${first} AS first_ingested_at`;
}
