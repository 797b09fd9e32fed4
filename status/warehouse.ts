import { MACROS, tableRef, type Target } from '../batch/dialect.ts';
import type { Warehouse } from '../batch/engines/warehouse.ts';
import type { Status, WapRun } from './status.ts';

/** Dead letters by error code, counting each Pub/Sub message once (raw.dead_letter is written at least once). */
export function deadLettersByCodeSql(target: Target): string {
  return `SELECT error_code, COUNT(DISTINCT message_id) AS n
FROM ${tableRef(target, 'raw', 'dead_letter')}
GROUP BY error_code
ORDER BY n DESC, error_code`;
}

/** The last `runs` WAP runs, newest first; finished_at as naive-UTC text. */
export function lastWapRunsSql(target: Target, runs: number): string {
  return `SELECT run_id, status, dates, ${MACROS.timestamp_text![target.engine]!('finished_at')} AS finished_at
FROM ${tableRef(target, 'audit', 'batch_runs')}
ORDER BY finished_at DESC
LIMIT ${Math.trunc(runs)}`;
}

/**
 * Dead letters by code and the last WAP runs, from either engine's warehouse (DuckDB file or
 * BigQuery). A warehouse where no WAP run has happened yet has no audit.batch_runs: no runs.
 */
export async function warehouseStatus(warehouse: Warehouse, runs = 5): Promise<Pick<Status, 'deadLetters' | 'wapRuns'>> {
  const { target } = warehouse;
  const deadLetters = Object.fromEntries((await warehouse.query(deadLettersByCodeSql(target))).map((r) => [String(r.error_code), Number(r.n)]));
  const wapRuns = (await warehouse.listTables('audit')).has('batch_runs')
    ? (await warehouse.query(lastWapRunsSql(target, runs))).map((r): WapRun => ({
        run_id: String(r.run_id),
        status: String(r.status),
        dates: String(r.dates ?? ''),
        finished_at: `${String(r.finished_at).slice(0, 19).replace(' ', 'T')}Z`,
      }))
    : [];
  return { deadLetters, wapRuns };
}
