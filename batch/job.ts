import type { Logger } from '../common/logger.ts';
import type { ObjectStore } from '../common/object-store.ts';
import { naiveUtc, tableRef, type RenderVars } from './dialect.ts';
import { loadChecks } from './audits/checks.ts';
import { auditLogSql, runChecks, type CheckResult } from './audits/run.ts';
import { modelStatement, publishPlan } from './compile.ts';
import { loadDims } from './dims.ts';
import type { Warehouse } from './engines/warehouse.ts';
import { loadModels } from './models.ts';
import { lastWatermark, recordRunSql, stateDdl, type RunStatus } from './state.ts';
import { selectWork } from './work.ts';

export interface BatchOptions {
  /** Dates asked for (YYYY-MM-DD), on top of those touched since the watermark. */
  requested: readonly string[];
  dims: ObjectStore;
  /** Where the JSON report goes; none = log only. */
  reports?: ObjectStore;
  dryRun: boolean;
  lookbackDays: number;
  runId: string;
  now: () => Date;
  logger: Logger;
  /** Called as the run moves on, e.g. to draw a progress line. */
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface BatchResult {
  runId: string;
  /** no_work: nothing ingested since the watermark and no date asked for. */
  status: RunStatus | 'no_work';
  dates: string[];
  watermark: { previous: string | null; next: string | null };
  checks: CheckResult[];
  reportLocation?: string;
}

/**
 * One write-audit-publish run: select the dates, write candidates into the audit area, audit
 * them, and publish them atomically only when no blocking check fails (then the watermark moves).
 */
export async function runBatch(warehouse: Warehouse, options: BatchOptions): Promise<BatchResult> {
  const { logger, runId } = options;
  const startedAt = options.now();
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const value = await work();
    logger.info({ run_id: runId, step: name, duration_ms: Math.round(performance.now() - t0) }, `batch ${name} done`);
    return value;
  };

  await warehouse.prepare();
  for (const sql of stateDdl(warehouse.target)) await warehouse.execute(sql);
  const previous = await lastWatermark(warehouse);
  const work = await step('select', () => selectWork(warehouse, previous, options.lookbackDays, options.requested));
  const base = { runId, dates: work.dates, watermark: { previous, next: work.nextWatermark } };
  if (work.dates.length === 0) {
    logger.info({ run_id: runId, watermark: previous }, 'nothing ingested since the watermark and no date asked for');
    return { ...base, status: 'no_work', checks: [] };
  }
  logger.info({ run_id: runId, dates: work.dates.length, first: work.dates[0], last: work.dates.at(-1), touched: work.touched, since: work.since }, 'batch work selected');

  const vars: RenderVars = {
    dates: work.dates,
    watermark: work.since,
    asOf: startedAt.toISOString().slice(0, 10),
    now: startedAt,
    martTables: await warehouse.listTables('mart'),
  };
  const models = loadModels();
  const tables = models.filter((m) => m.materialized === 'table');
  const checks = loadChecks(models);
  const total = 1 + tables.length + checks.length + 1;

  options.onProgress?.('dims', 0, total);
  const dimsCounts = await step('dims', () => loadDims(warehouse, options.dims));
  await step('write', async () => {
    for (const [i, model] of tables.entries()) {
      options.onProgress?.(`write ${model.name}`, 1 + i, total);
      await warehouse.execute(modelStatement(model, warehouse.target, vars));
    }
  });
  const results = await step('audit', () =>
    runChecks(warehouse, checks, vars, (done) => options.onProgress?.(`audit ${checks[done]?.name ?? ''}`, 1 + tables.length + done, total)));
  const failed = results.filter((r) => r.status === 'fail');
  await warehouse.execute(auditLogSql(warehouse.target, runId, work.dates, results, options.now()));

  const status: RunStatus = failed.length > 0 ? 'audit_failed' : options.dryRun ? 'audited' : 'published';
  const run = { runId, status, dates: work.dates, watermark: work.nextWatermark, startedAt: naiveUtc(startedAt), finishedAt: naiveUtc(options.now()) };
  options.onProgress?.(status === 'published' ? 'publish' : 'report', total - 1, total);
  if (status === 'published') {
    const plan = publishPlan(models, warehouse.target, vars, recordRunSql(warehouse.target, run));
    await step('publish', () => warehouse.publish(plan.ddl, plan.dml));
  } else {
    await warehouse.execute(recordRunSql(warehouse.target, run));
  }
  options.onProgress?.('done', total, total);

  const result: BatchResult = { ...base, status, checks: results };
  if (options.reports) {
    const counts = await candidateCounts(warehouse, tables.map((m) => m.name));
    const name = `batch-runs/${runId}.json`;
    const report = { run_id: runId, engine: warehouse.target.engine, status, dry_run: options.dryRun, watermark: base.watermark,
      dates: work.dates, started_at: startedAt.toISOString(), finished_at: options.now().toISOString(), dims: dimsCounts, candidate_rows: counts, checks: results };
    await options.reports.put(name, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
    result.reportLocation = options.reports.describe(name);
  }
  for (const check of failed) logger.error({ run_id: runId, check: check.name, model: check.model, failing_rows: check.failingRows, sample: check.sample }, `audit check ${check.name} failed`);
  for (const check of results.filter((r) => r.status === 'warn')) logger.warn({ run_id: runId, check: check.name, failing_rows: check.failingRows, sample: check.sample }, `audit warning ${check.name}`);
  return result;
}

async function candidateCounts(warehouse: Warehouse, tables: readonly string[]): Promise<Record<string, number>> {
  const sql = tables.map((t) => `SELECT '${t}' AS model, COUNT(*) AS row_count FROM ${tableRef(warehouse.target, 'audit', t)}`).join('\nUNION ALL\n');
  return Object.fromEntries((await warehouse.query(sql)).map((r) => [String(r.model), Number(r.row_count)]));
}
