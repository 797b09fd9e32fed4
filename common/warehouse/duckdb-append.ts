import {
  decimalValue, listValue, structValue, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection, type DuckDBValue,
} from '@duckdb/node-api';
import type { Field, TableSpec } from '../table-schemas.ts';
import type { Row, RowValue, Scalar } from './rows.ts';

/**
 * Appends rows with DuckDB's appender (hundreds of thousands of rows a second, where prepared
 * INSERTs manage ~19k). Columns are taken in schema order, converted from the engine-neutral values.
 * The appender commits on close; callers wrap it in their own transaction when several tables must
 * land together.
 */
export async function appendRows(connection: DuckDBConnection, table: TableSpec, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const appender = await connection.createAppender(table.name, table.dataset);
  try {
    for (const row of rows) {
      for (const field of table.fields) append(appender, field, row[field.name] ?? null);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function append(appender: DuckDBAppender, field: Field, value: RowValue): void {
  if (value === null) return appender.appendNull();
  if (field.mode === 'REPEATED') return appender.appendValue(listValue((value as Record<string, Scalar>[]).map((item) => structOf(field, item))));
  return appendScalar(appender, field, value as Scalar);
}

function appendScalar(appender: DuckDBAppender, field: Field, value: Scalar): void {
  switch (field.type) {
    case 'STRING': return appender.appendVarchar(String(value));
    case 'INTEGER': return appender.appendBigInt(BigInt(value as number));
    case 'BOOLEAN': return appender.appendBoolean(Boolean(value));
    case 'TIMESTAMP': return appender.appendTimestamp(new DuckDBTimestampValue(value as bigint));
    case 'NUMERIC': return appender.appendDecimal(decimal(field, String(value)));
    case 'RECORD': throw new TypeError(`${field.name}: a non-repeated RECORD is not used by the raw tables`);
  }
}

function structOf(field: Field, item: Record<string, Scalar>) {
  const entries: Record<string, DuckDBValue> = {};
  for (const sub of field.fields!) entries[sub.name] = item[sub.name] ?? null;
  return structValue(entries);
}

/** "12.3" at scale 2 -> 1230n, exactly (no float on the way). */
function decimal(field: Field, text: string) {
  const scale = Number(field.scale ?? 9);
  const [whole, fraction = ''] = text.split('.');
  const scaled = BigInt(`${whole}${fraction.padEnd(scale, '0').slice(0, scale)}`);
  return decimalValue(scaled, Number(field.precision ?? 38), scale);
}
