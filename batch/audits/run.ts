import { naiveUtc, stringLiteral, tableRef, timestampLiteral, type RenderVars, type Target } from '../dialect.ts';
import { renderSql } from '../compile.ts';
import type { JsonRow, Warehouse } from '../engines/warehouse.ts';
import type { Check, Severity } from './checks.ts';

export interface CheckResult {
  name: string;
  severity: Severity;
  model: string;
  /** fail = a blocking check found rows; warn = a warning check did. */
  status: 'pass' | 'fail' | 'warn';
  failingRows: number;
  /** Up to SAMPLE_ROWS offending rows, for the report. */
  sample: JsonRow[];
}

const SAMPLE_ROWS = 5;

/** Runs every check against the candidates: a count of offending rows, and a sample when there are any. */
export async function runChecks(warehouse: Warehouse, checks: readonly Check[], vars: RenderVars, onCheck?: (done: number) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const sql = renderSql(check.sql, warehouse.target, vars);
    const [row] = await warehouse.query(`SELECT COUNT(*) AS failing_rows FROM (\n${sql}\n) AS offending`);
    const failingRows = Number(row?.failing_rows ?? 0);
    const sample = failingRows > 0 ? await warehouse.query(`SELECT * FROM (\n${sql}\n) AS offending LIMIT ${SAMPLE_ROWS}`) : [];
    const status = failingRows === 0 ? 'pass' : check.severity === 'blocking' ? 'fail' : 'warn';
    results.push({ name: check.name, severity: check.severity, model: check.model, status, failingRows, sample });
    onCheck?.(results.length);
  }
  return results;
}

/** One audit_log row per check of the run. */
export function auditLogSql(target: Target, runId: string, dates: readonly string[], results: readonly CheckResult[], at: Date): string {
  const text = (value: string) => stringLiteral(target.engine, value);
  const rows = results.map(
    (r) =>
      `(${[
        text(runId),
        text(r.name),
        text(r.severity),
        text(r.model),
        text(r.status),
        String(r.failingRows),
        text(JSON.stringify(r.sample)),
        text(dates.join(',')),
        timestampLiteral(naiveUtc(at)),
      ].join(', ')})`,
  );
  return `INSERT INTO ${tableRef(target, 'audit', 'audit_log')} (run_id, check_name, severity, model, status, failing_rows, sample, dates, checked_at)
VALUES
${rows.join(',\n')}`;
}
