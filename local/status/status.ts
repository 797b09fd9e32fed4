import type { DuckDBConnection } from '@duckdb/node-api';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import type { SubscriptionFigures } from '../stack/stack-file.ts';
import { fetchWorkerStats } from '../stack/worker-stats.ts';

/** One worker's figures: rates over the sample, totals since it started. */
export interface WorkerStatus {
  url: string;
  /** Why it could not be read (unreachable, not a worker). */
  error?: string;
  receivedPerSecond?: number;
  ackedPerSecond?: number;
  inFlight?: number;
  acked?: number;
  deadLettered?: number;
  duplicatesDropped?: number;
}

export interface WapRun {
  run_id: string;
  status: string;
  dates: string;
  finished_at: string;
}

export interface Status {
  subscription?: SubscriptionFigures;
  /** Why the backlog is not shown. */
  subscriptionNote?: string;
  workers: WorkerStatus[];
  deadLetters?: Record<string, number>;
  wapRuns?: WapRun[];
  warehouseNote?: string;
}

/** Reads two /stats snapshots `sampleMs` apart from each worker: rates need two points. */
export async function workerStatuses(urls: readonly string[], sampleMs: number): Promise<WorkerStatus[]> {
  const read = (url: string) => fetchWorkerStats(url).then((stats) => ({ stats, at: performance.now() }), (error: Error) => ({ error }));
  const first = await Promise.all(urls.map(read));
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const second = await Promise.all(urls.map(read));
  return urls.map((url, i) => {
    const [a, b] = [first[i]!, second[i]!];
    if ('error' in a || 'error' in b) return { url, error: ('error' in b ? b.error : (a as { error: Error }).error).message };
    const seconds = (b.at - a.at) / 1000;
    const rate = (key: string) => Number(((Number(b.stats[key]) - Number(a.stats[key])) / seconds).toFixed(1));
    return {
      url,
      receivedPerSecond: rate('source.received'),
      ackedPerSecond: rate('settle.acked'),
      inFlight: Number(b.stats['source.in_flight']),
      acked: Number(b.stats['settle.acked']),
      deadLettered: Number(b.stats['settle.dead_lettered']),
      duplicatesDropped: Number(b.stats['dedupe.duplicates_dropped']),
    };
  });
}

export async function subscriptionFigures(url: string): Promise<SubscriptionFigures> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return (await response.json()) as SubscriptionFigures;
}

/** Dead letters by code (distinct messages) and the last WAP runs, from the DuckDB warehouse, read-only. */
export async function warehouseStatus(database: string, runs = 5): Promise<Pick<Status, 'deadLetters' | 'wapRuns'>> {
  return withDuckDBFile(database, async (db) => {
    const rows = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, string | number | null>[];
    const deadLetters = Object.fromEntries((await rows('SELECT error_code, count(DISTINCT message_id) AS n FROM raw.dead_letter GROUP BY 1 ORDER BY 2 DESC, 1'))
      .map((r) => [String(r.error_code), Number(r.n)]));
    const wapRuns = (await hasTable(db, 'audit', 'batch_runs'))
      ? (await rows(`SELECT run_id, status, dates, strftime(finished_at, '%Y-%m-%dT%H:%M:%SZ') AS finished_at FROM audit.batch_runs ORDER BY finished_at DESC LIMIT ${runs}`)) as unknown as WapRun[]
      : [];
    return { deadLetters, wapRuns };
  }, { mode: 'read-only' });
}

async function hasTable(db: DuckDBConnection, schema: string, table: string): Promise<boolean> {
  const result = await db.runAndReadAll(`SELECT 1 FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '${table}'`);
  return result.currentRowCount > 0;
}

const n = (value: number) => value.toLocaleString('en-US');

/** The status as a person reads it. */
export function formatStatus(status: Status): string {
  const lines: string[] = [];
  const s = status.subscription;
  lines.push(s
    ? `subscription  ${s.subscription}: backlog ${n(s.num_undelivered_messages)}, oldest unacked ${s.oldest_unacked_message_age_s === null ? '-' : `${s.oldest_unacked_message_age_s.toFixed(1)} s`}`
    : `subscription  ${status.subscriptionNote}`);
  lines.push(`workers       ${status.workers.length === 0 ? 'none given (--worker URL, or a running orderflow up)' : ''}`.trimEnd());
  for (const w of status.workers) {
    lines.push(w.error
      ? `  ${w.url}  unreachable: ${w.error}`
      : `  ${w.url}  received ${w.receivedPerSecond}/s  acked ${w.ackedPerSecond}/s  in flight ${n(w.inFlight!)}  acked ${n(w.acked!)}  dead-lettered ${n(w.deadLettered!)}  duplicates dropped ${n(w.duplicatesDropped!)}`);
  }
  if (status.warehouseNote) lines.push(`warehouse     ${status.warehouseNote}`);
  if (status.deadLetters) {
    const entries = Object.entries(status.deadLetters);
    lines.push(`dead letters  ${entries.length ? entries.map(([code, count]) => `${code} ${n(count)}`).join(', ') : 'none'}`);
  }
  if (status.wapRuns) {
    lines.push(`WAP runs      ${status.wapRuns.length ? '' : 'none yet (orderflow batch run)'}`.trimEnd());
    for (const run of status.wapRuns) lines.push(`  ${run.finished_at}  ${run.status.padEnd(12)} ${run.run_id}  dates ${run.dates ? run.dates.split(',').length : 0}`);
  }
  return `${lines.join('\n')}\n`;
}
