import { hideBin } from 'yargs/helpers';
import { UsageError } from '../common/errors.ts';

/**
 * The value as typed, for error messages: yargs turns a `type: 'number'` flag's `abc` into NaN
 * before a coercion sees it, and "got NaN" names nothing the person typed. Looks for `--name=v`,
 * `--name v`, then ORDERFLOW_NAME.
 */
function typed(name: string, value: unknown): string {
  if (!Number.isNaN(value)) return String(value);
  const raw = hideBin(process.argv);
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]!.startsWith(`--${name}=`)) return raw[i]!.slice(name.length + 3);
    if (raw[i] === `--${name}` && i + 1 < raw.length) return raw[i + 1]!;
  }
  return process.env[`ORDERFLOW_${name.toUpperCase().replaceAll('-', '_')}`] ?? String(value);
}

/** yargs coercions that turn bad values into one clear line (exit 2). */
export const probability = (name: string) => (value: unknown) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} must be a number from 0 to 1, got ${typed(name, value)}`);
  return n;
};

export const positiveNumber = (name: string) => (value: unknown) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got ${typed(name, value)}`);
  return n;
};

export const positiveInteger = (name: string) => (value: unknown) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive whole number, got ${typed(name, value)}`);
  return n;
};

export const integer = (name: string) => (value: unknown) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number, got ${typed(name, value)}`);
  return n;
};

/** An RFC 3339 instant, returned as ms since the epoch. */
export const instant = (name: string) => (value: unknown) => {
  const text = String(value);
  // Date.parse rolls 2026-02-30 over to March: the calendar date must exist as written.
  const ms =
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) && isCalendarDate(text.slice(0, 10)) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be an RFC 3339 time such as 2026-11-20T00:00:00Z, got ${text}`);
  return ms;
};

/** Catalog pool sizes shared by generate and snapshot, so the stream and the dims agree. */
export const catalogOptions = {
  seed: {
    type: 'number',
    default: 1,
    coerce: integer('seed'),
    describe: 'Seed: the same seed gives the same catalog and (with the same start time) the same events',
  },
  customers: { type: 'number', default: 99441, coerce: positiveInteger('customers'), describe: 'Customer records in the pool (Olist: 99,441)' },
  products: { type: 'number', default: 32951, coerce: positiveInteger('products'), describe: 'Products in the pool (Olist: 32,951)' },
  sellers: { type: 'number', default: 3095, coerce: positiveInteger('sellers'), describe: 'Sellers in the pool (Olist: 3,095)' },
} as const;

/**
 * --lifecycle-speed, shared by generate and up (each picks its default): how many times faster than
 * Olist's pace an order moves from purchase to delivery.
 */
export const lifecycleSpeedOption = (defaultText: string) =>
  ({
    type: 'number',
    coerce: (value: unknown) => {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 1) throw new UsageError(`--lifecycle-speed must be a number of 1 or more, got ${typed('lifecycle-speed', value)}`);
      return n;
    },
    describe: `Divide an order's lifecycle delays by this (approval, shipping, delivery, the estimate): 1 is Olist's pace, delivered ~12 days after purchase; 1440 runs a day in a minute, so a short live run shows its updates (default: ${defaultText})`,
  }) as const;

/** A calendar date, YYYY-MM-DD (a real one: 2026-02-30 is refused). */
/** True when YYYY-MM-DD names a day that exists (no 2026-02-30, no month 13). */
function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

export const calendarDate = (name: string) => (value: unknown) => {
  const text = String(value);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(text) && isCalendarDate(text);
  if (!valid) throw new UsageError(`--${name} must be a date such as 2026-11-20, got ${text}`);
  return text;
};

export const nonNegativeInteger = (name: string) => (value: unknown) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number of 0 or more, got ${typed(name, value)}`);
  return n;
};

/**
 * A Pub/Sub topic or subscription id as Pub/Sub takes it: 3-255 characters, a letter first, then
 * letters, digits and - _ . ~ + %, not starting with goog
 * (https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names). Checked before anything is
 * created, so `setup --topic t2` does not make the warehouse and then fail on the topic.
 */
export const pubsubName = (name: string) => (value: unknown) => {
  const id = String(value);
  if (!/^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/.test(id) || id.toLowerCase().startsWith('goog'))
    throw new UsageError(`--${name} ${id} is not a Pub/Sub name: 3-255 letters, digits and - _ . ~ + %, starting with a letter (not goog)`);
  return id;
};

export const port = (name: string) => (value: unknown) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be an integer from 0 to 65535, got ${typed(name, value)}`);
  return n;
};

/** One of a few words; yargs' own `choices` message spans two lines. */
export const oneOf =
  <T extends string>(name: string, values: readonly T[]) =>
  (value: unknown): T => {
    if (!values.includes(value as T)) throw new UsageError(`--${name} must be one of ${values.join(', ')}, got ${typed(name, value)}`);
    return value as T;
  };

/** A size as DuckDB settings take it: a number and a unit, e.g. 64MB or 1.5GiB. */
export const memorySize = (name: string) => (value: unknown) => {
  const text = String(value).trim();
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i.test(text)) throw new UsageError(`--${name} must be a size such as 64MB or 1GB, got ${text}`);
  return text;
};

/** The local warehouse file every DuckDB command opens by default. */
export const DEFAULT_DATABASE = './data/warehouse.duckdb';
/** Where `snapshot` writes the dims snapshot and `batch run` reads it (`--dims` in both). */
export const DEFAULT_DIMS = './data/dims';

/** Flags the worker and setup share: where the warehouse is. */
export const warehouseOptions = {
  database: { type: 'string', default: DEFAULT_DATABASE, describe: 'DuckDB warehouse file (shared by workers and the batch job)' },
  project: {
    type: 'string',
    default: process.env.GOOGLE_CLOUD_PROJECT ?? 'orderflow-local',
    describe: 'Google Cloud project (default: $GOOGLE_CLOUD_PROJECT or orderflow-local)',
  },
  'lock-timeout-ms': {
    type: 'number',
    default: 30_000,
    coerce: positiveInteger('lock-timeout-ms'),
    describe: 'How long a DuckDB write waits while another process holds the file',
  },
} as const;
