import { naiveUtc, tableRef, type RenderVars, type Target } from '../dialect.ts';
import { Bindings, type Statement } from '../params.ts';
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

/** One audit_log row per check of the run, every value bound as a parameter. */
export function auditLogSql(target: Target, runId: string, dates: readonly string[], results: readonly CheckResult[], at: Date): Statement {
  const b = new Bindings(target.engine);
  const rows = results.map(
    (r, i) =>
      `(${[
        b.string('run_id', runId),
        b.string(`check_name_${i + 1}`, r.name),
        b.string(`severity_${i + 1}`, r.severity),
        b.string(`model_${i + 1}`, r.model),
        b.string(`status_${i + 1}`, r.status),
        b.int(`failing_rows_${i + 1}`, r.failingRows),
        b.string(`sample_${i + 1}`, JSON.stringify(r.sample)),
        b.string('dates', dates.join(',')),
        b.timestamp('checked_at', naiveUtc(at)),
      ].join(', ')})`,
  );
  const sql = `INSERT INTO ${tableRef(target, 'audit', 'audit_log')} (run_id, check_name, severity, model, status, failing_rows, sample, dates, checked_at)
VALUES
${rows.join(',\n')}`;
  return { sql, params: b.params };
}
