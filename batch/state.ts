import { NO_VARS, render, tableRef, type Target } from './dialect.ts';
import { Bindings, type Statement } from './params.ts';
import type { Warehouse } from './engines/warehouse.ts';

/**
 * The job's own tables in the audit area: the run log (one row per run; the watermark, time zone
 * and dims fingerprint are the newest published run's), the audit log (one row per check per
 * run), the dims snapshots published runs loaded (row counts for the shrink audit), and the lease.
 * Columns added since a table was first created are added in place.
 */
export function stateDdl(target: Target): string[] {
  const added = (table: string, columns: string[]) => columns.map((c) => `ALTER TABLE {{ audit('${table}') }} ADD COLUMN IF NOT EXISTS ${c}`);
  return [
    `CREATE TABLE IF NOT EXISTS {{ audit('batch_runs') }} (
  run_id {{ string_type() }},
  status {{ string_type() }},
  dates {{ string_type() }},
  watermark TIMESTAMP,
  started_at TIMESTAMP,
  finished_at TIMESTAMP
)`,
    ...added('batch_runs', [
      'time_zone {{ string_type() }}',
      'dims_sha256 {{ string_type() }}',
      'orders {{ int_type() }}',
      'meta_sha256 {{ string_type() }}',
      'window_from TIMESTAMP',
      'window_rows {{ int_type() }}',
      'seq {{ int_type() }}',
    ]),
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
    `CREATE TABLE IF NOT EXISTS {{ audit('batch_snapshots') }} (
  run_id {{ string_type() }},
  snapshot {{ string_type() }},
  row_count {{ int_type() }},
  sha256 {{ string_type() }},
  recorded_at TIMESTAMP
)`,
    `CREATE TABLE IF NOT EXISTS {{ audit('batch_lease') }} (
  name {{ string_type() }},
  holder {{ string_type() }},
  acquired_at TIMESTAMP,
  expires_at TIMESTAMP
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
  timeZone: string;
  /** sha256 of the dims snapshot files the run loaded (or found unchanged). */
  dimsSha256: string;
  /** Fingerprint of the model metadata whose comments the mart carries (comments.ts). */
  metaSha256: string;
  orders: number;
  /** The safety window behind the watermark and how many raw rows it held when the run read them (work.ts). */
  window: { from: string | null; rows: number };
}

/** The batch_runs row of a run, every value bound as a parameter. */
export function recordRunSql(target: Target, run: RunRecord): Statement {
  const b = new Bindings(target.engine);
  const runs = tableRef(target, 'audit', 'batch_runs');
  const values = [
    b.string('run_id', run.runId),
    b.string('status', run.status),
    b.string('dates', run.dates.join(',')),
    b.timestamp('watermark', run.watermark),
    b.timestamp('started_at', run.startedAt),
    b.timestamp('finished_at', run.finishedAt),
    b.string('time_zone', run.timeZone),
    b.string('dims_sha256', run.dimsSha256),
    b.string('meta_sha256', run.metaSha256),
    b.int('orders', run.orders),
    b.timestamp('window_from', run.window.from),
    b.int('window_rows', run.window.rows),
  ];
  // seq numbers the runs in the order they were recorded: clocks (and tests' fixed clocks) can tie.
  const sql = `INSERT INTO ${runs} (run_id, status, dates, watermark, started_at, finished_at, time_zone, dims_sha256, meta_sha256, orders, window_from, window_rows, seq)
SELECT ${values.join(', ')}, (SELECT COALESCE(MAX(seq), 0) + 1 FROM ${runs})`;
  return { sql, params: b.params };
}

/** One row per dims snapshot file a published run loaded: what the next run's shrink audit compares with. */
export function recordSnapshotsSql(
  target: Target,
  runId: string,
  snapshots: Readonly<Record<string, { rows: number; sha256: string }>>,
  at: string,
): Statement {
  const b = new Bindings(target.engine);
  const rows = Object.entries(snapshots).map(
    ([name, s], i) =>
      `(${[b.string('run_id', runId), b.string(`snapshot_${i + 1}`, name), b.int(`row_count_${i + 1}`, s.rows), b.string(`sha256_${i + 1}`, s.sha256), b.timestamp('recorded_at', at)].join(', ')})`,
  );
  const sql = `INSERT INTO ${tableRef(target, 'audit', 'batch_snapshots')} (run_id, snapshot, row_count, sha256, recorded_at)
VALUES
${rows.join(',\n')}`;
  return { sql, params: b.params };
}

/** What the newest published run recorded: the watermark, the business time zone and the dims fingerprint. */
export interface PublishedState {
  watermark: string | null;
  timeZone: string | null;
  dimsSha256: string | null;
  metaSha256: string | null;
  /** The published run's safety window and its raw row count then: a different count now means rows committed late. */
  window: { from: string | null; rows: number };
  /** Whether any run was ever published (a mart built before time zones were recorded was built in UTC). */
  any: boolean;
}

export async function lastPublished(warehouse: Warehouse): Promise<PublishedState> {
  const sql = render(
    `SELECT {{ timestamp_text('watermark') }} AS watermark, time_zone, dims_sha256, meta_sha256, {{ timestamp_text('window_from') }} AS window_from, window_rows
FROM {{ audit('batch_runs') }}
WHERE status = 'published'
ORDER BY COALESCE(seq, 0) DESC, finished_at DESC
LIMIT 1`,
    { target: warehouse.target, vars: NO_VARS },
  );
  const [row] = await warehouse.query(sql);
  return {
    watermark: (row?.watermark as string | null | undefined) ?? null,
    timeZone: (row?.time_zone as string | null | undefined) ?? null,
    dimsSha256: (row?.dims_sha256 as string | null | undefined) ?? null,
    metaSha256: (row?.meta_sha256 as string | null | undefined) ?? null,
    window: { from: (row?.window_from as string | null | undefined) ?? null, rows: Number(row?.window_rows ?? 0) },
    any: row !== undefined,
  };
}
