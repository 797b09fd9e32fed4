import { RAW_TABLE_NAMES, type RawTableName } from '../common/table-schemas.ts';

/**
 * Engine-neutral row values, shaped by the table schemas in schemas/raw/: STRING as string,
 * INTEGER as number, NUMERIC as a decimal string (no float rounding), BOOLEAN as boolean,
 * TIMESTAMP as bigint microseconds since the epoch (what BigQuery keeps), REPEATED RECORD as an
 * array of objects. Each sink adapter converts these to its engine's types.
 */
export type Scalar = string | number | bigint | boolean | null;
export type RowValue = Scalar | Record<string, Scalar>[];
export type Row = Record<string, RowValue>;

/** The worker's raw tables, as Beam-style tagged outputs: one key per table (common/table-schemas.ts lists them). */
export type RawRows = Record<RawTableName, Row[]>;

/** A RawRows with no rows in any table. */
export const emptyRawRows = (): RawRows => Object.fromEntries(RAW_TABLE_NAMES.map((table) => [table, []])) as unknown as RawRows;

/** A RawRows holding these dead-letter rows only. */
export const deadLetterRows = (rows: Row[]): RawRows => ({ ...emptyRawRows(), dead_letter: rows });

/** A Date as epoch microseconds (exact: a Date holds whole milliseconds). */
export const microsFromDate = (date: Date) => BigInt(date.getTime() * 1000);

/**
 * The raw tables' write-time column: a row the worker produces leaves it null and the sink stamps
 * it as the row is written (DuckDB: the insert transaction's clock; BigQuery: right before each
 * AppendRows attempt), so a row held in a micro-batch never carries a time before it could be
 * visible. A value already set (a replayed fixture, a backfill) is kept.
 */
export const WRITE_TIME_COLUMN = 'ingested_at';
