/**
 * Query parameters: values travel beside the SQL text, bound by the engine, never spliced into it.
 * SQL is written against a `Bindings`, whose methods record a typed value and return its
 * placeholder in the engine's spelling (BigQuery `@name`, DuckDB `$name`), so a statement's
 * placeholders and its parameters cannot drift apart.
 */
import type { Engine } from '../common/engines.ts';

/**
 * A bound value and the SQL type it takes: the type the literal it replaces had. TIMESTAMP is
 * naive UTC text (`YYYY-MM-DD HH:MM:SS[.ffffff]`, the form the run state keeps), read as UTC on
 * both engines (BigQuery TIMESTAMP, DuckDB TIMESTAMP without time zone); DATE is `YYYY-MM-DD`.
 * No NULL values: BigQuery does not take a NULL parameter, so a missing value is SQL NULL instead.
 */
export type QueryParam =
  { type: 'STRING'; value: string } | { type: 'INT64'; value: number } | { type: 'TIMESTAMP'; value: string } | { type: 'DATE'; value: string };

/** Named parameters of one statement (names without the @ or $). */
export type QueryParams = Readonly<Record<string, QueryParam>>;

/** A statement and the parameters its placeholders name. */
export interface Statement {
  sql: string;
  params?: QueryParams;
}

const NAME = /^[a-z_][a-z0-9_]*$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Naive-UTC timestamp text as microseconds since the epoch; RangeError for anything else. */
export function naiveUtcMicros(text: string): bigint {
  const match = TIMESTAMP.exec(text);
  const millis = match ? Date.parse(`${match[1]}T${match[2]}Z`) : NaN;
  if (Number.isNaN(millis)) throw new RangeError(`not a naive UTC timestamp (YYYY-MM-DD HH:MM:SS[.ffffff]): ${text}`);
  return BigInt(millis) * 1000n + BigInt((match![3] ?? '').padEnd(6, '0'));
}

/** Naive-UTC timestamp text as RFC 3339 with Z (micros kept): how BigQuery's client takes a TIMESTAMP. */
export function naiveUtcRfc3339(text: string): string {
  const match = TIMESTAMP.exec(text);
  if (!match) throw new RangeError(`not a naive UTC timestamp (YYYY-MM-DD HH:MM:SS[.ffffff]): ${text}`);
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(6, '0')}Z`;
}

const same = (a: QueryParam, b: QueryParam) => a.type === b.type && a.value === b.value;

/**
 * The parameters of one statement (or one publish script), collected while its SQL is written.
 * Binding a name twice to the same value reuses it; to another value is an Error (a bug).
 */
export class Bindings {
  private readonly bound: Record<string, QueryParam> = {};

  constructor(readonly engine: Engine) {}

  /** The parameters bound so far; undefined when none (the statement runs as plain SQL). */
  get params(): QueryParams | undefined {
    return Object.keys(this.bound).length === 0 ? undefined : { ...this.bound };
  }

  /** A STRING value's placeholder; NULL for null. */
  string(name: string, value: string | null): string {
    return value === null ? 'NULL' : this.bind(name, { type: 'STRING', value });
  }

  /** An INT64 (DuckDB BIGINT) value's placeholder. */
  int(name: string, value: number): string {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${name}: not an integer: ${value}`);
    return this.bind(name, { type: 'INT64', value });
  }

  /** A naive-UTC TIMESTAMP's placeholder; a typed NULL for null. RangeError for text that is not one. */
  timestamp(name: string, value: string | null): string {
    if (value === null) return 'CAST(NULL AS TIMESTAMP)';
    naiveUtcMicros(value);
    return this.bind(name, { type: 'TIMESTAMP', value });
  }

  /** A DATE's placeholder. RangeError for text that is not YYYY-MM-DD. */
  date(name: string, value: string): string {
    if (!DATE.test(value) || Number.isNaN(Date.parse(value))) throw new RangeError(`not a YYYY-MM-DD date: ${value}`);
    return this.bind(name, { type: 'DATE', value });
  }

  /** Placeholders of a list of STRING values, comma-separated (`name_1, name_2, ...`) for an IN list. */
  strings(name: string, values: readonly string[]): string {
    return values.map((value, i) => this.string(`${name}_${i + 1}`, value)).join(', ');
  }

  private bind(name: string, param: QueryParam): string {
    if (!NAME.test(name)) throw new Error(`not a parameter name: ${name}`);
    const existing = this.bound[name];
    if (existing && !same(existing, param)) throw new Error(`parameter ${name} bound twice with different values`);
    this.bound[name] = param;
    return `${this.engine === 'bigquery' ? '@' : '$'}${name}`;
  }
}

/**
 * The parameters of several statements run as one (BigQuery's publish script). A name bound to
 * different values by two statements is an Error: the script would read one value for both.
 */
export function mergeParams(statements: readonly Statement[]): QueryParams | undefined {
  const merged: Record<string, QueryParam> = {};
  for (const { params } of statements) {
    for (const [name, param] of Object.entries(params ?? {})) {
      const existing = merged[name];
      if (existing && !same(existing, param)) throw new Error(`parameter ${name} bound to different values by two statements of one script`);
      merged[name] = param;
    }
  }
  return Object.keys(merged).length === 0 ? undefined : merged;
}
