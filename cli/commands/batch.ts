import { randomBytes } from 'node:crypto';
import type { BatchOptions, BatchResult } from '../../batch/job.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../../common/errors.ts';
import { createLogger, type Logger } from '../../common/logger.ts';
import { ProgressLine } from '../../common/progress.ts';
import { DEFAULT_DATABASE, calendarDate, nonNegativeInteger } from '../options.ts';

interface Args {
  date?: string;
  from?: string;
  to?: string;
  engine: 'duckdb' | 'bigquery';
  database: string;
  dims: string;
  reports: string;
  project?: string;
  location?: string;
  dryRun: boolean;
  lookbackDays: number;
}

/** Exit code of a run whose blocking audit failed: distinct from bad flags (2) and operational failures (1). */
export const AUDIT_FAILED_EXIT_CODE = 3;
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
        date: { type: 'string', coerce: calendarDate('date'), conflicts: ['from', 'to'], describe: 'Also rebuild this purchase date (YYYY-MM-DD)' },
        from: { type: 'string', coerce: calendarDate('from'), implies: 'to', describe: 'Backfill: first purchase date to rebuild (with --to)' },
        to: { type: 'string', coerce: calendarDate('to'), implies: 'from', describe: 'Backfill: last purchase date to rebuild, inclusive (with --from)' },
        engine: { choices: ['duckdb', 'bigquery'] as const, default: 'duckdb' as const, describe: 'Warehouse: the local DuckDB file or BigQuery' },
        database: { type: 'string', default: DEFAULT_DATABASE, describe: 'DuckDB warehouse file (with --engine duckdb)' },
        dims: { type: 'string', default: './data/dims', describe: 'Dims snapshot (Olist CSVs from `orderflow snapshot`): a directory or gs://bucket/prefix' },
        reports: { type: 'string', default: './data/audit-reports', describe: 'Where the JSON audit report goes: a directory or gs://bucket/prefix' },
        project: { type: 'string', describe: 'Google Cloud project of the raw, audit and mart datasets (with --engine bigquery)' },
        location: { type: 'string', describe: 'BigQuery location of the datasets, e.g. EU (default: inferred by BigQuery)' },
        'dry-run': { type: 'boolean', default: false, describe: 'Write and audit, never publish or move the watermark' },
        'lookback-days': { type: 'number', default: 0, coerce: nonNegativeInteger('lookback-days'), describe: 'Also treat rows ingested up to N days before the watermark as new (rows that became visible late)' },
      })
      .check((args) => {
        if (args.engine === 'bigquery' && !args.project) throw new UsageError('--engine bigquery needs --project');
        return true;
      })
      .example('orderflow batch run', 'publish every date touched since the last run (local DuckDB warehouse)')
      .example('orderflow batch run --from 2026-11-01 --to 2026-11-30 --dry-run', 'rebuild and audit November without publishing')
      .example('orderflow batch run --engine bigquery --project my-proj --dims gs://b/dims --reports gs://b/audit-reports', 'on BigQuery'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load the job and its clients.
    const [{ openObjectStore }, { runBatch }, { withWarehouse }] = await Promise.all([
      import('../../common/object-store.ts'), import('../../batch/job.ts'), import('../../batch/engines/open-warehouse.ts'),
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
      dryRun: args.dryRun,
      lookbackDays: args.lookbackDays,
      runId,
      now: () => new Date(),
      logger,
      onProgress: (step, done, total) => { state = { step, done, total }; },
    };
    try {
      const result = await withWarehouse(args, (warehouse) => runBatch(warehouse, options));
      progress.stop();
      report(result, logger);
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
    watermark: result.watermark,
    checks: { passed: result.checks.filter((c) => c.status === 'pass').length, warnings: result.checks.filter((c) => c.status === 'warn').map((c) => c.name), failed: failed.map((c) => c.name) },
    report: result.reportLocation ?? null,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  logger.info(summary, `batch run ${result.status}`);
  if (result.status !== 'audit_failed') return;
  for (const check of failed) {
    process.stderr.write(`orderflow: audit check ${check.name} failed on ${check.model}: ${check.failingRows} offending row(s), e.g. ${JSON.stringify(check.sample[0])}\n`);
  }
  process.stderr.write(`orderflow: nothing published; candidates kept in the audit area${result.reportLocation ? `; report: ${result.reportLocation}` : ''}\n`);
  process.exitCode = AUDIT_FAILED_EXIT_CODE;
}

export const batchCommand = defineCommand<object>({
  command: 'batch',
  describe: 'The daily write-audit-publish job: facts, dims and KPI marts from the raw tables',
  builder: (y) => y.command(runCommand).demandCommand(1, 'name a batch command: see orderflow batch --help'),
  handler: () => undefined,
});
