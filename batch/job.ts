import { OperationalError, UsageError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { ObjectStore } from '../common/object-store.ts';
import { DEFAULT_TIME_ZONE, naiveUtc, tableRef, type RenderVars } from './dialect.ts';
import { loadChecks } from './audits/checks.ts';
import { auditLogSql, runChecks, type CheckResult } from './audits/run.ts';
import { commentStatements, metadataSha256 } from './comments.ts';
import { modelStatement, publishPlan, renderSql } from './compile.ts';
import { DEFAULT_LEASE_TTL_MS, DEFAULT_SAFETY_WINDOW_MS } from './defaults.ts';
import { loadDims, readDims } from './dims.ts';
import type { TableColumn, Warehouse } from './engines/warehouse.ts';
import { acquireLease, releaseLease } from './lease.ts';
import { loadModels, type Model } from './models.ts';
import { schemaMigrations, standardType, type OnSchemaChange } from './schema-drift.ts';
import { lastPublished, recordRunSql, recordSnapshotsSql, stateDdl, type RunStatus } from './state.ts';
import { selectWork } from './work.ts';

export interface BatchOptions {
  /** Local purchase dates asked for (YYYY-MM-DD): their orders are rebuilt on top of those touched since the watermark. */
  requested: readonly string[];
  /** Re-derive every order in raw and mart (needed after a time zone change). */
  fullRefresh?: boolean;
  dims: ObjectStore;
  /** Where the JSON report goes; none = log only. */
  reports?: ObjectStore;
  /** Write and audit only: never publish or move the watermark (--no-publish). */
  noPublish: boolean;
  lookbackDays: number;
  /** How far before the watermark rows are read again, for rows that became visible late (ms). */
  safetyWindowMs?: number;
  /** Business time zone (IANA) of every date the marts derive. */
  timeZone?: string;
  /** Largest share a dims snapshot file may shrink by against the last published one. */
  maxDimsDrop?: number;
  onSchemaChange?: OnSchemaChange;
  /** How long the lease holds if the run dies without giving it up (ms). */
  leaseTtlMs?: number;
  /** The models to run (default: batch/models/); tests pass changed ones. */
  models?: Model[];
  runId: string;
  now: () => Date;
  logger: Logger;
  /** Called as the run moves on, e.g. to draw a progress line. */
  onProgress?: (step: string, done: number, total: number) => void;
}

export interface BatchResult {
  runId: string;
  /** no_work: nothing ingested since the watermark, no date asked for, and the dims snapshot unchanged. */
  status: RunStatus | 'no_work';
  /** The purchase dates whose facts or aggregates the run wrote. */
  dates: string[];
  /** Orders the run re-derived from raw. */
  orders: number;
  /** Raw rows the run's staging read (orders + items + payments). */
  rawRowsRead: number;
  /** The earliest ingested_at the run read raw from (naive UTC; BigQuery prunes raw partitions before it); null = all of raw. */
  rawFrom: string | null;
  /** Whether the dims snapshot changed and the dimensions were rebuilt. */
  dimsReloaded: boolean;
  watermark: { previous: string | null; next: string | null };
  checks: CheckResult[];
  reportLocation?: string;
}

/**
 * One write-audit-publish run: take the lease, select the touched orders, write candidates into
 * the audit area, audit them, and publish them atomically only when no blocking check fails
 * (then the watermark moves). Throws LeaseHeldError when another run holds the lease, UsageError
 * when the time zone differs from the published mart's without a full refresh, SchemaDriftError
 * when a model's columns no longer match its mart table.
 */
export async function runBatch(warehouse: Warehouse, options: BatchOptions): Promise<BatchResult> {
  await warehouse.prepare();
  for (const sql of stateDdl(warehouse.target)) await warehouse.execute(sql);
  await acquireLease(warehouse, options.runId, options.now(), options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS);
  try {
    return await leasedRun(warehouse, options);
  } finally {
    await releaseLease(warehouse, options.runId);
  }
}

async function leasedRun(warehouse: Warehouse, options: BatchOptions): Promise<BatchResult> {
  const { logger, runId, target } = { ...options, target: warehouse.target };
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const startedAt = options.now();
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const value = await work();
    logger.info({ run_id: runId, step: name, duration_ms: Math.round(performance.now() - t0) }, `batch ${name} done`);
    return value;
  };

  const published = await lastPublished(warehouse);
  // A mart published before time zones were recorded was built in UTC dates.
  const publishedZone = published.any ? (published.timeZone ?? 'UTC') : null;
  if (publishedZone !== null && publishedZone !== timeZone && !options.fullRefresh) {
    throw new UsageError(
      `--time-zone ${timeZone} differs from the published mart's ${publishedZone}: rerun with --full-refresh to rebuild every order's dates in ${timeZone}`,
    );
  }
  const martTables = await warehouse.listTables('mart');
  const models = options.models ?? loadModels();
  const dims = await step('dims read', () => readDims(options.dims));
  const dimsModels = models.filter((m) => m.fromSnapshot);
  const dimsReloaded = published.dimsSha256 !== dims.sha256 || dimsModels.some((m) => m.publish !== 'none' && !martTables.has(m.name));
  const work = await step('select', () =>
    selectWork(warehouse, {
      watermark: published.watermark,
      window: published.window,
      safetyWindowMs: options.safetyWindowMs ?? DEFAULT_SAFETY_WINDOW_MS,
      lookbackDays: options.lookbackDays,
      requested: options.requested,
      everything: options.fullRefresh ?? false,
      timeZone,
      martTables,
    }),
  );
  const base = { runId, orders: work.orders, dimsReloaded, watermark: { previous: published.watermark, next: work.nextWatermark } };
  if (work.orders === 0 && !dimsReloaded && options.requested.length === 0) {
    logger.info({ run_id: runId, watermark: published.watermark }, 'nothing ingested since the watermark, no date asked for, dims unchanged');
    return { ...base, status: 'no_work', dates: [], rawRowsRead: 0, rawFrom: work.rawFrom, checks: [] };
  }
  if (work.lateRows !== 0)
    logger.warn(
      { run_id: runId, late_rows: work.lateRows, window_from: published.window.from },
      'rows became visible behind the watermark after the last run: its safety window is read again',
    );
  logger.info({ run_id: runId, orders: work.orders, since: work.since, raw_from: work.rawFrom, dims_reloaded: dimsReloaded }, 'batch work selected');

  // Unchanged dims are not rebuilt: their models read the published tables instead.
  const skipped = new Set(dimsReloaded ? [] : dimsModels.map((m) => m.name));
  const byName = new Map(models.map((m) => [m.name, m]));
  const vars: RenderVars = {
    dates: [],
    watermark: work.since,
    asOf: startedAt.toISOString().slice(0, 10),
    now: startedAt,
    martTables,
    timeZone,
    rawFrom: work.rawFrom,
    maxDimsDrop: options.maxDimsDrop ?? 0.1,
    columnsOf: (name) => byName.get(name)?.columns.map((c) => c.name) ?? [],
    refName: (name) => (skipped.has(name) ? tableRef(target, 'mart', name) : undefined),
  };
  const tables = models.filter((m) => m.materialized === 'table' && !skipped.has(m.name));
  const checks = loadChecks(models).filter((c) => !skipped.has(c.model));
  const total = 1 + tables.length + checks.length + 1;

  options.onProgress?.('dims', 0, total);
  const dimsCounts = dimsReloaded ? await step('dims load', () => loadDims(warehouse, dims)) : null;
  await step('write', async () => {
    for (const [i, model] of tables.entries()) {
      options.onProgress?.(`write ${model.name}`, 1 + i, total);
      await warehouse.execute(modelStatement(model, target, vars));
    }
  });
  const audit = await warehouse.columns('audit');
  for (const model of tables) checkDeclaredColumns(model, audit.get(model.name) ?? []);
  vars.dates = (
    await warehouse.query(
      `SELECT CAST(purchase_date AS ${target.engine === 'duckdb' ? 'VARCHAR' : 'STRING'}) AS d FROM ${tableRef(target, 'audit', 'int_affected_dates')} ORDER BY 1`,
    )
  ).map((r) => String(r.d));
  const readSql = (['orders', 'order_items', 'order_payments'] as const)
    .map((t) => `(SELECT COUNT(*) FROM ${renderSql(`{{ touched('${t}') }}`, target, vars)} AS touched_rows)`)
    .join('\n  + ');
  const [read] = await warehouse.query(`SELECT ${readSql} AS rows_read`);
  const rawRowsRead = Number(read?.rows_read ?? 0);

  const results = await step('audit', () =>
    runChecks(warehouse, checks, vars, (done) => options.onProgress?.(`audit ${checks[done]?.name ?? ''}`, 1 + tables.length + done, total)),
  );
  const failed = results.filter((r) => r.status === 'fail');
  const auditLog = auditLogSql(target, runId, vars.dates, results, options.now());
  await warehouse.execute(auditLog.sql, auditLog.params);

  const status: RunStatus = failed.length > 0 ? 'audit_failed' : options.noPublish ? 'audited' : 'published';
  const metaSha256 = metadataSha256(models);
  const run = {
    runId,
    status,
    dates: vars.dates,
    watermark: work.nextWatermark,
    startedAt: naiveUtc(startedAt),
    finishedAt: naiveUtc(options.now()),
    timeZone,
    dimsSha256: dims.sha256,
    metaSha256,
    orders: work.orders,
    window: work.window,
  };
  options.onProgress?.(status === 'published' ? 'publish' : 'report', total - 1, total);
  if (status === 'published') {
    const publishedModels = tables.filter((m) => m.publish !== 'none');
    const mart = await warehouse.columns('mart');
    const migrations = publishedModels.flatMap((m) => schemaMigrations(m, target, audit.get(m.name) ?? [], mart.get(m.name), options.onSchemaChange ?? 'fail'));
    const commentsDue = published.metaSha256 !== metaSha256 || publishedModels.some((m) => !martTables.has(m.name)) || migrations.length > 0;
    const record = [recordRunSql(target, run)];
    if (dimsCounts) {
      const snapshots = Object.fromEntries(Object.entries(dims.files).map(([name, file]) => [name, { rows: file.rows.length, sha256: file.sha256 }]));
      record.push(recordSnapshotsSql(target, runId, snapshots, run.finishedAt));
    }
    const plan = publishPlan(models, target, vars, {
      columns: new Map(publishedModels.map((m) => [m.name, (audit.get(m.name) ?? []).map((c) => c.name)])),
      skipped,
      migrations,
      comments: commentsDue ? commentStatements(models, target) : [],
      record,
    });
    await step('publish', () => warehouse.publish(plan.ddl, plan.dml));
  } else {
    const { sql, params } = recordRunSql(target, run);
    await warehouse.execute(sql, params);
  }
  options.onProgress?.('done', total, total);

  const result: BatchResult = { ...base, status, dates: [...vars.dates], rawRowsRead, rawFrom: work.rawFrom, checks: results };
  if (options.reports) {
    const counts = await candidateCounts(
      warehouse,
      tables.map((m) => m.name),
    );
    const name = `batch-runs/${runId}.json`;
    const report = {
      run_id: runId,
      engine: target.engine,
      status,
      no_publish: options.noPublish,
      time_zone: timeZone,
      watermark: base.watermark,
      dates: vars.dates,
      orders: work.orders,
      raw_rows_read: rawRowsRead,
      raw_from: work.rawFrom,
      started_at: startedAt.toISOString(),
      finished_at: options.now().toISOString(),
      dims: { sha256: dims.sha256, reloaded: dimsReloaded, rows: dimsCounts },
      candidate_rows: counts,
      checks: results,
    };
    await options.reports.put(name, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
    result.reportLocation = options.reports.describe(name);
  }
  for (const check of failed)
    logger.error(
      { run_id: runId, check: check.name, model: check.model, failing_rows: check.failingRows, sample: check.sample },
      `audit check ${check.name} failed`,
    );
  for (const check of results.filter((r) => r.status === 'warn'))
    logger.warn({ run_id: runId, check: check.name, failing_rows: check.failingRows, sample: check.sample }, `audit warning ${check.name}`);
  return result;
}

/** A model's candidate must have exactly the columns its metadata declares (names and standard types; order is free). */
function checkDeclaredColumns(model: Model, actual: readonly TableColumn[]): void {
  const declared = model.columns.map((c) => `${c.name} ${c.type}`).sort();
  const got = actual.map((c) => `${c.name} ${standardType(c.type)}`).sort();
  if (declared.join() === got.join()) return;
  const missing = declared.filter((c) => !got.includes(c));
  const extra = got.filter((c) => !declared.includes(c));
  throw new OperationalError(
    `model ${model.name} writes columns its metadata ${model.name}.json does not declare (${[...extra.map((c) => `+${c}`), ...missing.map((c) => `-${c}`)].join(', ')}); nothing published`,
  );
}

async function candidateCounts(warehouse: Warehouse, tables: readonly string[]): Promise<Record<string, number>> {
  const sql = tables.map((t) => `SELECT '${t}' AS model, COUNT(*) AS row_count FROM ${tableRef(warehouse.target, 'audit', t)}`).join('\nUNION ALL\n');
  return Object.fromEntries((await warehouse.query(sql)).map((r) => [String(r.model), Number(r.row_count)]));
}
