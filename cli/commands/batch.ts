import { randomBytes } from 'node:crypto';
import type { BatchOptions, BatchResult } from '../../batch/job.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../../common/errors.ts';
import { createLogger, type Logger } from '../../common/logger.ts';
import { ProgressLine } from '../../common/progress.ts';
import { DEFAULT_DATABASE, DEFAULT_DIMS, calendarDate, nonNegativeInteger, oneOf, probability } from '../options.ts';
import { DEFAULT_TIME_ZONE, timeZoneName } from '../../batch/dialect.ts';
import { DEFAULT_SAFETY_WINDOW_MS } from '../../batch/defaults.ts';
import { LeaseHeldError } from '../../batch/lease.ts';
import { ON_SCHEMA_CHANGE, type OnSchemaChange } from '../../batch/schema-drift.ts';
import { ENGINES, type Engine } from '../../common/engines.ts';

/** --time-zone: an IANA name both engines know, else one line. */
const ianaTimeZone = (value: unknown) => {
  try {
    return timeZoneName(String(value));
  } catch (error) {
    throw new UsageError(`--time-zone must be an IANA time zone such as America/Sao_Paulo: ${(error as Error).message}`);
  }
};

interface Args {
  date?: string;
  from?: string;
  to?: string;
  engine: Engine;
  database: string;
  dims: string;
  reports: string;
  project?: string;
  location?: string;
  publish: boolean;
  dryRun?: boolean;
  lookbackDays: number;
  safetyWindowMinutes: number;
  timeZone: string;
  fullRefresh: boolean;
  maxDimsDrop: number;
  onSchemaChange: OnSchemaChange;
}

/** Exit code of a run whose blocking audit failed: distinct from bad flags (2) and operational failures (1). */
export const AUDIT_FAILED_EXIT_CODE = 3;
/** Exit code of a run that found another run holding the lease: it did nothing. */
export const LEASE_HELD_EXIT_CODE = 4;
/** A --from/--to backfill spans at most this many days (a typo such as 2062 for 2026 should not rebuild decades). */
const MAX_RANGE_DAYS = 3660;

/** Every date from `from` to `to`, inclusive. */
export function dateRange(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw new UsageError(`--to (${to}) is before --from (${from})`);
  const days = (end - start) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS) throw new UsageError(`--from/--to span ${days} days; at most ${MAX_RANGE_DAYS}`);
  return Array.from({ length: days }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

const runCommand = defineCommand<Args>({
  command: 'run',
  describe: 'Write candidates for the dates touched since the watermark (and any asked for), audit them, publish them atomically',
  builder: (y) =>
    y
      .options({
        date: {
          type: 'string',
          coerce: calendarDate('date'),
          conflicts: ['from', 'to'],
          describe: 'Also rebuild the orders of this local purchase date (YYYY-MM-DD)',
        },
        from: { type: 'string', coerce: calendarDate('from'), describe: 'Backfill: first purchase date to rebuild (with --to)' },
        to: { type: 'string', coerce: calendarDate('to'), describe: 'Backfill: last purchase date to rebuild, inclusive (with --from)' },
        engine: { choices: ENGINES, default: 'duckdb' as const, describe: 'Warehouse: the local DuckDB file or BigQuery' },
        database: { type: 'string', default: DEFAULT_DATABASE, describe: 'DuckDB warehouse file (with --engine duckdb)' },
        dims: { type: 'string', default: DEFAULT_DIMS, describe: 'Dims snapshot (Olist CSVs from `orderflow snapshot`): a directory or gs://bucket/prefix' },
        reports: { type: 'string', default: './data/audit-reports', describe: 'Where the JSON audit report goes: a directory or gs://bucket/prefix' },
        project: { type: 'string', describe: 'Google Cloud project of the raw, audit and mart datasets (with --engine bigquery)' },
        location: { type: 'string', describe: 'BigQuery location of the datasets, e.g. EU (default: inferred by BigQuery)' },
        publish: { type: 'boolean', default: true, describe: 'Publish when the audit passes; --no-publish writes and audits only (the watermark stays)' },
        'dry-run': { type: 'boolean', deprecated: 'use --no-publish', describe: 'Old name of --no-publish' },
        'time-zone': {
          type: 'string',
          default: DEFAULT_TIME_ZONE,
          coerce: ianaTimeZone,
          describe: 'Business time zone (IANA name) of every date the marts derive; changing it needs --full-refresh',
        },
        'full-refresh': {
          type: 'boolean',
          default: false,
          describe: 'Re-derive every order in raw and mart (after a time zone change, or to rebuild everything)',
        },
        'safety-window-minutes': {
          type: 'number',
          default: DEFAULT_SAFETY_WINDOW_MS / 60_000,
          coerce: nonNegativeInteger('safety-window-minutes'),
          describe:
            'Rows that become visible up to N minutes behind the newest ingested one (batch age + append retries + clock skew) are never skipped: that window is reread when rows landed in it after the last run',
        },
        'lookback-days': {
          type: 'number',
          default: 0,
          coerce: nonNegativeInteger('lookback-days'),
          describe: 'Also treat rows ingested up to N more days before the watermark as new (a repair)',
        },
        'max-dims-drop': {
          type: 'number',
          default: 0.1,
          coerce: probability('max-dims-drop'),
          describe: 'Fail the audit when a dims snapshot file has this share fewer rows than the last published one',
        },
        'on-schema-change': {
          type: 'string',
          default: 'fail',
          coerce: oneOf('on-schema-change', ON_SCHEMA_CHANGE),
          describe: 'A model whose columns differ from its mart table: fail, or sync_all_columns (add new columns, drop removed ones)',
        },
      })
      .check((args) => {
        if (args.engine === 'bigquery' && !args.project) throw new UsageError('--engine bigquery needs --project');
        // yargs' `implies` says only "Implications failed".
        if (Boolean(args.from) !== Boolean(args.to))
          throw new UsageError(
            `--${args.from ? 'from' : 'to'} needs --${args.from ? 'to' : 'from'}: a backfill names its first and last date, e.g. --from 2026-11-01 --to 2026-11-30`,
          );
        return true;
      })
      .example('orderflow batch run', 'publish every date touched since the last run (local DuckDB warehouse)')
      .example('orderflow batch run --from 2026-11-01 --to 2026-11-30 --no-publish', 'rebuild and audit November without publishing')
      .example('orderflow batch run --engine bigquery --project my-proj --dims gs://b/dims --reports gs://b/audit-reports', 'on BigQuery'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load the job and its clients.
    const [{ openObjectStore }, { runBatch }, { withWarehouse }] = await Promise.all([
      import('../../common/object-store.ts'),
      import('../../batch/job.ts'),
      import('../../batch/engines/open-warehouse.ts'),
    ]);
    const runId = `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z-${randomBytes(3).toString('hex')}`;
    // The job puts run_id on every line it logs.
    const logger = createLogger({ base: { component: 'batch' } });
    let state = { step: 'start', done: 0, total: 1 };
    const progress = new ProgressLine(() => `batch ${state.step}  ${state.done}/${state.total}`);
    const options: BatchOptions = {
      requested: args.date ? [args.date] : args.from && args.to ? dateRange(args.from, args.to) : [],
      dims: openObjectStore(args.dims),
      reports: openObjectStore(args.reports),
      noPublish: !args.publish || args.dryRun === true,
      lookbackDays: args.lookbackDays,
      safetyWindowMs: args.safetyWindowMinutes * 60_000,
      timeZone: args.timeZone,
      fullRefresh: args.fullRefresh,
      maxDimsDrop: args.maxDimsDrop,
      onSchemaChange: args.onSchemaChange,
      runId,
      now: () => new Date(),
      logger,
      onProgress: (step, done, total) => {
        state = { step, done, total };
      },
    };
    if (args.dryRun) logger.warn({}, '--dry-run is deprecated: use --no-publish');
    try {
      const result = await withWarehouse(args, (warehouse) => runBatch(warehouse, options));
      progress.stop();
      report(result, logger);
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error;
      progress.stop();
      process.stderr.write(`orderflow: ${error.message}\n`);
      process.exitCode = LEASE_HELD_EXIT_CODE;
    } finally {
      progress.stop();
    }
  },
});

/** A JSON summary on stdout; on a failed audit, one line per failed check on stderr and exit code 3. */
function report(result: BatchResult, logger: Logger): void {
  const failed = result.checks.filter((c) => c.status === 'fail');
  const summary = {
    run_id: result.runId,
    status: result.status,
    dates: result.dates,
    orders: result.orders,
    raw_rows_read: result.rawRowsRead,
    dims_reloaded: result.dimsReloaded,
    watermark: result.watermark,
    checks: {
      passed: result.checks.filter((c) => c.status === 'pass').length,
      warnings: result.checks.filter((c) => c.status === 'warn').map((c) => c.name),
      failed: failed.map((c) => c.name),
    },
    report: result.reportLocation ?? null,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  logger.info(summary, `batch run ${result.status}`);
  if (result.status !== 'audit_failed') return;
  for (const check of failed) {
    process.stderr.write(
      `orderflow: audit check ${check.name} failed on ${check.model}: ${check.failingRows} offending row(s), e.g. ${JSON.stringify(check.sample[0])}\n`,
    );
  }
  process.stderr.write(`orderflow: nothing published; candidates kept in the audit area${result.reportLocation ? `; report: ${result.reportLocation}` : ''}\n`);
  process.exitCode = AUDIT_FAILED_EXIT_CODE;
}

interface CompileArgs {
  engine: Engine;
  outDir: string;
  project?: string;
  timeZone: string;
  asOf: string;
}

const compileCommand = defineCommand<CompileArgs>({
  command: 'compile',
  describe: "Write every model's and check's SQL as a run sends it (formatted) and manifest.json, without a warehouse",
  builder: (y) =>
    y
      .options({
        engine: { choices: ENGINES, default: 'duckdb' as const, describe: 'Dialect to compile for' },
        'out-dir': { type: 'string', default: './target/batch', describe: 'Directory to write into (models/, checks/, manifest.json)' },
        project: { type: 'string', describe: 'BigQuery project the table references name (with --engine bigquery)' },
        'time-zone': { type: 'string', default: DEFAULT_TIME_ZONE, coerce: ianaTimeZone, describe: 'Business time zone (IANA name) the date macros use' },
        'as-of': {
          type: 'string',
          default: new Date().toISOString().slice(0, 10),
          defaultDescription: 'today (UTC)',
          coerce: calendarDate('as-of'),
          describe: 'Business date of the run the SQL is compiled for',
        },
      })
      .check((args) => {
        // A made-up default would compile SQL that names somebody else's project.
        if (args.engine === 'bigquery' && !args.project) throw new UsageError('--engine bigquery needs --project');
        return true;
      })
      .example('orderflow batch compile --engine bigquery --project my-project --out-dir ./target/bigquery', 'the BigQuery SQL and manifest'),
  handler: async (args) => {
    const [{ compileProject }, { mkdir, writeFile }, { dirname, join }] = await Promise.all([
      import('../../batch/project.ts'),
      import('node:fs/promises'),
      import('node:path'),
    ]);
    const files = compileProject({ engine: args.engine, project: args.project ?? '', timeZone: args.timeZone, asOf: args.asOf });
    for (const [path, content] of files) {
      await mkdir(dirname(join(args.outDir, path)), { recursive: true });
      await writeFile(join(args.outDir, path), content);
    }
    process.stdout.write(`${JSON.stringify({ engine: args.engine, out: args.outDir, files: files.size })}\n`);
  },
});

export const batchCommand = defineCommand<object>({
  command: 'batch',
  describe: 'The daily write-audit-publish job: facts, dims and KPI marts from the raw tables',
  builder: (y) => y.command(runCommand).command(compileCommand).demandCommand(1, 'name a batch command: run or compile'),
  handler: () => undefined,
});
