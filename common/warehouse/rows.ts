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
  return micros(ms, subMillis(rfc3339));
}

export const microsFromDate = (date: Date) => micros(date.getTime(), 0);

// One BigInt from a double when the sum is exact there (until the year 2255): the worker converts
// several timestamps a message, and BigInt arithmetic allocates at every step.
const micros = (ms: number, subMs: number) => {
  const total = ms * 1000 + subMs;
  return Number.isSafeInteger(total) ? BigInt(total) : BigInt(ms) * 1000n + BigInt(subMs);
};

/** Digits 4 to 6 of the fraction of seconds, as microseconds (Date.parse keeps milliseconds only). */
function subMillis(rfc3339: string): number {
  const dot = rfc3339.indexOf('.'); // the date and time have none before the fraction
  if (dot < 0) return 0;
  let value = 0;
  let digits = true; // the fraction ends at the first non-digit; missing digits count as 0
  for (let i = dot + 1; i < dot + 7; i++) {
    const digit = rfc3339.charCodeAt(i) - 48;
    digits &&= digit >= 0 && digit <= 9;
    if (i > dot + 3) value = value * 10 + (digits ? digit : 0);
  }
  return value;
}

/** Money with at most 2 decimals (the validator guarantees it) as an exact NUMERIC string. */
export const money = (value: number) => value.toFixed(2);
