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

/** RFC 3339 (any offset, any fraction) to epoch microseconds, keeping sub-millisecond digits. */
export function toMicros(rfc3339: string): bigint {
  const ms = Date.parse(rfc3339);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 time: ${rfc3339}`);
  const fraction = /\.(\d+)/.exec(rfc3339)?.[1] ?? '';
  const subMillis = Number((fraction.slice(3, 6) || '0').padEnd(3, '0'));
  return BigInt(ms) * 1000n + BigInt(subMillis);
}

export const microsFromDate = (date: Date) => BigInt(date.getTime()) * 1000n;

/** Money with at most 2 decimals (the validator guarantees it) as an exact NUMERIC string. */
export const money = (value: number) => value.toFixed(2);
