/**
 * The dialect layer: model SQL is written once with `{{ macro('arg', ...) }}` calls, and each
 * macro has one body per engine (dbt's adapter-dispatched macros). Everything engine-specific in
 * the job's SQL goes through here.
 */
import type { Engine } from '../common/engines.ts';
import { naiveUtcMicros } from './params.ts';

/** Where the job's tables live: BigQuery datasets of a project, or DuckDB schemas of one file. */
export interface Target {
  engine: Engine;
  /** BigQuery project; unused by DuckDB. */
  project?: string;
  datasets: { raw: string; audit: string; mart: string };
}

/** What a run knows while rendering: its dates and watermark, and which mart tables exist already. */
export interface RenderVars {
  /** Purchase dates (YYYY-MM-DD) the run rebuilds; never empty when models render. */
  dates: readonly string[];
  /** Rows ingested after this instant (naive UTC, microsecond text) are new to the run; null on the first run. */
  watermark: string | null;
  /** The business date SCD2 versions open and close on (YYYY-MM-DD). */
  asOf: string;
  /** The run's clock, for freshness. */
  now: Date;
  martTables: ReadonlySet<string>;
  /** Names a model by something other than its audit table (a CTE of one self-contained statement). */
  refName?: (model: string) => string | undefined;
  /** The business time zone (IANA name, checked by timeZoneName) every derived date is taken in. */
  timeZone: string;
  /**
   * The earliest ingested_at any raw row of the run's orders can carry (naive UTC text), so the
   * raw reads prune by partition; null = read the raw tables whole (a backfill, the first run).
   */
  rawFrom: string | null;
  /** The largest share a dims snapshot file may shrink by against the last published one (0-1). */
  maxDimsDrop?: number;
  /** A model's declared columns (its metadata file), for SQL that must name them rather than rely on their order. */
  columnsOf?: (model: string) => readonly string[];
}

/** For SQL that reads no run variables (state tables, work selection). */
export const NO_VARS: RenderVars = { dates: [], watermark: null, asOf: '1970-01-01', now: new Date(0), martTables: new Set(), timeZone: 'UTC', rawFrom: null };

/** The business time zone when none is configured: Olist's timestamps are São Paulo wall-clock time. */
export const DEFAULT_TIME_ZONE = 'America/Sao_Paulo';

/**
 * An IANA time zone name both engines know (DuckDB's ICU, BigQuery's tz database), returned as
 * given; RangeError for anything else. Names are spliced into SQL, so only tz-database characters pass.
 */
export function timeZoneName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(name)) throw new RangeError(`not an IANA time zone name: ${name}`);
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
  } catch {
    throw new RangeError(`unknown time zone: ${name}`);
  }
  return name;
}

/** "Latest" per the event contract: greatest event_sequence (missing = 0), then event_time, publish_time, event_id. */
export const LATEST_FIRST = 'COALESCE(event_sequence, 0) DESC, event_time DESC, publish_time DESC, event_id DESC';

type MacroBody = (...args: string[]) => string;
type Macro = Record<Engine, MacroBody>;

const same = (body: MacroBody): Macro => ({ duckdb: body, bigquery: body });
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const dateLiteral = (date: string) => {
  if (!DATE_RE.test(date)) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return `DATE '${date}'`;
};

/** Pure SQL macros: expressions whose spelling differs between the engines. */
export const MACROS: Record<string, Macro> = {
  // Explicit precision: DuckDB's bare NUMERIC is DECIMAL(18,3). BigQuery NUMERIC keeps 9 decimals, so it rounds to cents
  // as DuckDB's cast does (half away from zero).
  money: { duckdb: (e) => `CAST(${e} AS DECIMAL(18, 2))`, bigquery: (e) => `ROUND(CAST(${e} AS NUMERIC), 2)` },
  // Arguments are parenthesised: `price + freight_value` must be scaled as a whole.
  cents: { duckdb: (e) => `CAST(ROUND((${e}) * 100) AS BIGINT)`, bigquery: (e) => `CAST(ROUND((${e}) * 100) AS INT64)` },
  from_cents: { duckdb: (e) => `CAST(CAST(${e} AS DECIMAL(18, 2)) * 0.01 AS DECIMAL(18, 2))`, bigquery: (e) => `CAST(${e} AS NUMERIC) / 100` },
  int_div: { duckdb: (a, b) => `((${a}) // (${b}))`, bigquery: (a, b) => `DIV(${a}, ${b})` },
  ratio: { duckdb: (a, b) => `CASE WHEN (${b}) = 0 THEN NULL ELSE CAST(${a} AS DOUBLE) / (${b}) END`, bigquery: (a, b) => `SAFE_DIVIDE(${a}, ${b})` },
  // Calendar days from one DATE to another (take timestamps' dates with local_date first).
  days_between: {
    duckdb: (start, end) => `date_diff('day', ${start}, ${end})`,
    bigquery: (start, end) => `DATE_DIFF(${end}, ${start}, DAY)`,
  },
  month_start: { duckdb: (d) => `CAST(date_trunc('month', ${d}) AS DATE)`, bigquery: (d) => `DATE_TRUNC(${d}, MONTH)` },
  month_diff: {
    duckdb: (start, end) => `date_diff('month', ${start}, ${end})`,
    bigquery: (start, end) => `DATE_DIFF(${end}, ${start}, MONTH)`,
  },
  add_days: { duckdb: (d, n) => `CAST((${d}) + INTERVAL (${n}) DAY AS DATE)`, bigquery: (d, n) => `DATE_ADD(${d}, INTERVAL ${n} DAY)` },
  // ISO day of week: Monday 1 .. Sunday 7 (BigQuery's DAYOFWEEK is Sunday 1 .. Saturday 7).
  iso_day_of_week: { duckdb: (d) => `isodow(${d})`, bigquery: (d) => `(MOD(EXTRACT(DAYOFWEEK FROM ${d}) + 5, 7) + 1)` },
  // Every date from one DATE expression to another, inclusive, as rows of date_day (columns of the FROM may be named).
  date_spine: {
    duckdb: (from, to) => `UNNEST(CAST(generate_series(${from}, ${to}, INTERVAL 1 DAY) AS DATE[])) AS spine(date_day)`,
    bigquery: (from, to) => `UNNEST(GENERATE_DATE_ARRAY(${from}, ${to})) AS date_day`,
  },
  year_start: { duckdb: (d) => `CAST(date_trunc('year', ${d}) AS DATE)`, bigquery: (d) => `DATE_TRUNC(${d}, YEAR)` },
  // Text of whole digits only (a CSV's integer column): '51.6', '5e1' and ' 7' are not, so nothing is rounded on either engine.
  is_integer_text: { duckdb: (e) => `regexp_full_match(${e}, '-?[0-9]+')`, bigquery: (e) => `REGEXP_CONTAINS(${e}, r'^-?[0-9]+$')` },
  is_zip5: { duckdb: (e) => `regexp_full_match(${e}, '[0-9]{5}')`, bigquery: (e) => `REGEXP_CONTAINS(${e}, r'^[0-9]{5}$')` },
  // Zip prefixes left-padded to 5 digits (Olist's CSVs lose leading zeros: 1310 is 01310).
  zip5: { duckdb: (e) => `lpad(${e}, 5, '0')`, bigquery: (e) => `LPAD(${e}, 5, '0')` },
  int_from_text: {
    duckdb: (e) => `CASE WHEN regexp_full_match(${e}, '-?[0-9]+') THEN CAST(${e} AS BIGINT) END`,
    bigquery: (e) => `CASE WHEN REGEXP_CONTAINS(${e}, r'^-?[0-9]+$') THEN CAST(${e} AS INT64) END`,
  },
  year_end: {
    duckdb: (d) => `CAST(date_trunc('year', ${d}) + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)`,
    bigquery: (d) => `DATE_SUB(DATE_ADD(DATE_TRUNC(${d}, YEAR), INTERVAL 1 YEAR), INTERVAL 1 DAY)`,
  },
  latest_first: same(() => LATEST_FIRST),
  int_type: { duckdb: () => 'BIGINT', bigquery: () => 'INT64' },
  string_type: { duckdb: () => 'VARCHAR', bigquery: () => 'STRING' },
  float_type: { duckdb: () => 'DOUBLE', bigquery: () => 'FLOAT64' },
  date_literal: same(dateLiteral),
  // Timestamps as text with microseconds, the form the run state keeps.
  timestamp_text: {
    duckdb: (e) => `strftime(${e}, '%Y-%m-%d %H:%M:%S.%f')`,
    bigquery: (e) => `FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', ${e})`,
  },
  date_text: { duckdb: (e) => `strftime(${e}, '%Y-%m-%d')`, bigquery: (e) => `FORMAT_DATE('%Y-%m-%d', ${e})` },
};

/** A table reference in the target: `project.dataset.table` in backticks, or schema.table. */
export function tableRef(target: Target, dataset: keyof Target['datasets'], table: string): string {
  const name = target.datasets[dataset];
  return target.engine === 'bigquery' ? `\`${target.project}.${name}.${table}\`` : `${name}.${table}`;
}

/** 2026-11-20T10:00:00.000Z -> 2026-11-20 10:00:00.000 (naive UTC, as both engines store TIMESTAMP here). */
export const naiveUtc = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');

/**
 * A string literal: DuckDB doubles quotes, BigQuery escapes with backslashes. Only for SQL that
 * cannot take query parameters: the DDL comments (DuckDB's COMMENT ON does not parse a parameter;
 * comments.ts). Values of queries and DML are bound as parameters instead (params.ts).
 */
export function stringLiteral(engine: Engine, text: string): string {
  if (engine === 'duckdb') return `'${text.replaceAll("'", "''")}'`;
  return `'${text.replace(/[\\'\n\r]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r' })[c]!)}'`;
}

/**
 * A naive-UTC timestamp literal that both engines read the same way, for the run variables of the
 * model SQL (rendered the same for `batch compile` and the run); RangeError for text that is not
 * a timestamp, so nothing else can reach the SQL through it.
 */
export const timestampLiteral = (text: string) => {
  naiveUtcMicros(text);
  return `TIMESTAMP '${text}'`;
};

export interface RenderContext {
  target: Target;
  vars: RenderVars;
  /** Extra macros for this rendering (e.g. the *_current view bodies). */
  extra?: Record<string, (...args: string[]) => string>;
}

/** Macros that read the run's context: table references and the run's variables. */
function contextMacros({ target, vars, extra }: RenderContext): Record<string, (...args: string[]) => string> {
  // The published table when it exists, else a CTE of the model giving the same columns and no rows (first run).
  const previous = (table: string, emptyCte: string) => (vars.martTables.has(table) ? tableRef(target, 'mart', table) : emptyCte);
  return {
    ref: (model) => vars.refName?.(model) ?? tableRef(target, 'audit', model),
    source: (table) => tableRef(target, 'raw', table),
    audit: (table) => tableRef(target, 'audit', table),
    mart: (table) => tableRef(target, 'mart', table),
    previous: (table, emptyCte) => previous(table!, emptyCte!),
    work_dates: () => vars.dates.map(dateLiteral).join(', '),
    // The local calendar date of a naive-UTC TIMESTAMP in the business time zone (DST by the tz database on both engines).
    columns: (model) => {
      const names = vars.columnsOf?.(model!);
      if (!names?.length) throw new Error(`columns('${model}'): no declared columns`);
      return names.join(', ');
    },
    max_dims_drop: () => String(vars.maxDimsDrop ?? 0.1),
    local_date: (ts) => (target.engine === 'duckdb' ? `CAST(timezone('${vars.timeZone}', timezone('UTC', ${ts})) AS DATE)` : `DATE(${ts}, '${vars.timeZone}')`),
    // The raw rows of the run's orders (audit.work_orders), pruned by ingested_at when the run knows a bound.
    touched: (
      table,
    ) => `(SELECT * FROM ${tableRef(target, 'raw', table!)} WHERE ${vars.rawFrom === null ? 'TRUE' : `ingested_at >= ${timestampLiteral(vars.rawFrom)}`}
    AND order_id IN (SELECT order_id FROM ${tableRef(target, 'audit', 'work_orders')}))`,
    watermark: () => timestampLiteral(vars.watermark ?? '1970-01-01 00:00:00'),
    as_of: () => dateLiteral(vars.asOf),
    hours_ago: (hours) => timestampLiteral(naiveUtc(new Date(vars.now.getTime() - Number(hours) * 3_600_000))),
    scd_versions: (table, key, columns) =>
      scdVersions(
        table!,
        key!,
        columns!.split(',').map((c) => c.trim()),
        {
          asOf: dateLiteral(vars.asOf),
          previous: previous(table!, 'empty_dim'),
        },
      ),
    ...extra,
  };
}

/**
 * The CTEs of a type 2 dimension over a `snapshot` CTE (key + columns): the published dimension
 * carried forward, a version closed (valid_to = the as-of date) when the snapshot changes its
 * columns or drops the key, and a new current version opened. The first load opens every version
 * at 1900-01-01 so all history finds it. Ends with a `versions` CTE.
 */
function scdVersions(table: string, key: string, columns: string[], at: { asOf: string; previous: string }): string {
  const all = [key, ...columns].join(', ');
  const changed = columns.map((c) => `\n      OR previous.${c} IS DISTINCT FROM snapshot.${c}`).join('');
  return `empty_dim AS (
  SELECT ${all}, ${at.asOf} AS valid_from, CAST(NULL AS DATE) AS valid_to, TRUE AS is_current
  FROM snapshot
  WHERE FALSE
),

previous AS (
  SELECT * FROM ${at.previous}
),

history AS (
  SELECT * FROM previous WHERE NOT is_current
),

compared AS (
  SELECT
    previous.*,
    snapshot.${key} IS NULL${changed} AS ends
  FROM previous
  LEFT JOIN snapshot ON previous.${key} = snapshot.${key}
  WHERE previous.is_current
),

kept AS (
  SELECT ${all}, valid_from, valid_to, is_current
  FROM compared
  WHERE NOT ends
),

closed AS (
  SELECT ${all}, valid_from, ${at.asOf} AS valid_to, FALSE AS is_current
  FROM compared
  WHERE ends
),

opened AS (
  SELECT
    ${[key, ...columns].map((c) => `snapshot.${c}`).join(', ')},
    CASE WHEN (SELECT COUNT(*) FROM previous) = 0 THEN ${dateLiteral('1900-01-01')} ELSE ${at.asOf} END AS valid_from,
    CAST(NULL AS DATE) AS valid_to,
    TRUE AS is_current
  FROM snapshot
  LEFT JOIN kept ON snapshot.${key} = kept.${key}
  WHERE kept.${key} IS NULL
),

versions AS (
  SELECT * FROM history
  UNION ALL SELECT * FROM kept
  UNION ALL SELECT * FROM closed
  UNION ALL SELECT * FROM opened
)`;
}

const CALL = /\{\{\s*([a-z_][a-z0-9_]*)\(((?:\s*'[^']*'\s*,?)*)\)\s*\}\}/g;
const ARG = /'([^']*)'/g;

/** Renders `{{ name('arg', ...) }}` calls; an unknown macro or a leftover `{{` is an error, not silent text. */
export function render(template: string, context: RenderContext): string {
  const scoped = contextMacros(context);
  const out = template.replace(CALL, (_match, name: string, args: string) => {
    const values = [...args.matchAll(ARG)].map((m) => m[1]!);
    const body = scoped[name] ?? MACROS[name]?.[context.target.engine];
    if (!body) throw new Error(`unknown macro ${name}()`);
    return body(...values);
  });
  const leftover = /\{\{[^}]*\}\}/.exec(out);
  if (leftover) throw new Error(`cannot render ${leftover[0]} (macro arguments are single-quoted strings)`);
  return out;
}
