import { NO_VARS, render, stringLiteral, tableRef, timestampLiteral, type Target } from './dialect.ts';
import type { Warehouse } from './engines/warehouse.ts';

/** The run log (one row per run; the watermark is the newest published run's) and the audit log (one row per check per run). */
export function stateDdl(target: Target): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS {{ audit('batch_runs') }} (
  run_id {{ string_type() }},
  status {{ string_type() }},
  dates {{ string_type() }},
  watermark TIMESTAMP,
  started_at TIMESTAMP,
  finished_at TIMESTAMP
)`,
    `CREATE TABLE IF NOT EXISTS {{ audit('audit_log') }} (
  run_id {{ string_type() }},
  check_name {{ string_type() }},
  severity {{ string_type() }},
  model {{ string_type() }},
  status {{ string_type() }},
  failing_rows {{ int_type() }},
  sample {{ string_type() }},
  dates {{ string_type() }},
  checked_at TIMESTAMP
)`,
  ].map((sql) => render(sql, { target, vars: NO_VARS }));
}

export type RunStatus = 'published' | 'audit_failed' | 'audited';

export interface RunRecord {
  runId: string;
  status: RunStatus;
  dates: readonly string[];
  /** Naive-UTC text; null when the raw tables were empty. */
  watermark: string | null;
  startedAt: string;
  finishedAt: string;
}

export function recordRunSql(target: Target, run: RunRecord): string {
  const text = (value: string) => stringLiteral(target.engine, value);
  const ts = (value: string | null) => (value === null ? 'CAST(NULL AS TIMESTAMP)' : timestampLiteral(value));
  return `INSERT INTO ${tableRef(target, 'audit', 'batch_runs')} (run_id, status, dates, watermark, started_at, finished_at)
VALUES (${text(run.runId)}, ${text(run.status)}, ${text(run.dates.join(','))}, ${ts(run.watermark)}, ${ts(run.startedAt)}, ${ts(run.finishedAt)})`;
}

/** The watermark of the newest published run: rows ingested after it are new work. */
export async function lastWatermark(warehouse: Warehouse): Promise<string | null> {
  const sql = render(
    `SELECT {{ timestamp_text('MAX(watermark)') }} AS watermark FROM {{ audit('batch_runs') }} WHERE status = 'published'`,
    { target: warehouse.target, vars: NO_VARS },
  );
  const [row] = await warehouse.query(sql);
  return (row?.watermark as string | null | undefined) ?? null;
}
