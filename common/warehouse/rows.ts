/**
 * Engine-neutral row values, shaped by the table schemas in schemas/raw/: STRING as string,
 * INTEGER as number, NUMERIC as a decimal string (no float rounding), BOOLEAN as boolean,
 * TIMESTAMP as bigint microseconds since the epoch (what BigQuery keeps), REPEATED RECORD as an
 * array of objects. Each sink adapter converts these to its engine's types.
 */
export type Scalar = string | number | bigint | boolean | null;
export type RowValue = Scalar | Record<string, Scalar>[];
export type Row = Record<string, RowValue>;

/** The worker's four raw tables, as Beam-style tagged outputs: one key per table. */
export interface RawRows {
  orders: Row[];
  order_items: Row[];
  order_payments: Row[];
  dead_letter: Row[];
}

/** A Date as epoch microseconds (exact: a Date holds whole milliseconds). */
export const microsFromDate = (date: Date) => BigInt(date.getTime() * 1000);
