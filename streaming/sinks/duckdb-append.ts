import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { Field, TableSpec } from '../../common/table-schemas.ts';
import { duckdbType } from '../../common/warehouse/duckdb-ddl.ts';
import { WRITE_TIME_COLUMN, type Row } from '../rows.ts';

/**
 * Rows go to DuckDB as an INSERT ... SELECT over a JSON parameter holding the rows, one object
 * each with the table's columns: JavaScript only lays the rows out and serialises them
 * (JSON.stringify runs natively), and DuckDB parses, converts and inserts them on its own threads.
 * The appender converted value by value in JavaScript (~40 µs a message on the thread that acks
 * messages); this costs ~4-6 µs there. Callers wrap the inserts in their own transaction when
 * several tables must land together.
 */
export async function appendRows(connection: DuckDBConnection, table: TableSpec, rows: readonly Row[]): Promise<void> {
  for (const json of encodeRows(table, rows)) await insertRows(connection, table, json);
}

// Each parameter stays a few MB, so a bounded DuckDB memory_limit never has to hold a whole batch.
const ROWS_PER_INSERT = 2048;

/**
 * The rows as insertRows takes them: a JSON array of row objects (the table's columns only,
 * absent values as null), one string per ROWS_PER_INSERT rows. Rows rather than one array per
 * column: DuckDB's fixed cost of an INSERT unnesting one list of structs is ~4 ms less a batch
 * of four tables than unnesting a list per column (~11 -> ~7 ms at 80 messages, measured), and
 * JavaScript's share is the same.
 */
export function encodeRows(table: TableSpec, rows: readonly Row[]): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const end = Math.min(rows.length, start + ROWS_PER_INSERT);
    const objects = new Array<Record<string, unknown>>(end - start);
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      const object: Record<string, unknown> = {};
      for (const field of table.fields) {
        const value = row[field.name] ?? null;
        // TIMESTAMP values are bigint microseconds, exact as a JSON number until the year 2255.
        object[field.name] = typeof value === 'bigint' ? Number(value) : value;
      }
      objects[i - start] = object;
    }
    chunks.push(JSON.stringify(objects));
  }
  return chunks;
}

/** Inserts one chunk from encodeRows. Calls on one connection must not overlap (they share its prepared statement). */
export async function insertRows(connection: DuckDBConnection, table: TableSpec, json: string): Promise<void> {
  const statement = await prepared(connection, table);
  statement.bindVarchar(1, json);
  await statement.run();
}

// Planning the INSERT costs ~2 ms, as much as inserting 500 messages: each connection plans it once.
const preparedByConnection = new WeakMap<DuckDBConnection, Map<TableSpec, Promise<DuckDBPreparedStatement>>>();

function prepared(connection: DuckDBConnection, table: TableSpec): Promise<DuckDBPreparedStatement> {
  let byTable = preparedByConnection.get(connection);
  if (!byTable) preparedByConnection.set(connection, (byTable = new Map()));
  let statement = byTable.get(table);
  if (!statement) byTable.set(table, (statement = connection.prepare(insertSql(table))));
  return statement;
}

/**
 * The table's INSERT, from its schema: from_json gives each column its DuckDB type; TIMESTAMP
 * arrives as micros. A null WRITE_TIME_COLUMN gets the write transaction's clock (now() is the
 * start of the transaction that commits the rows, taken when the statement runs, not when it was
 * prepared; epoch_us keeps it UTC whatever the session's TimeZone).
 */
function insertSql(table: TableSpec): string {
  const shape = [Object.fromEntries(table.fields.map((field) => [field.name, jsonType(field)]))];
  const columns = table.fields.map((field) => field.name);
  const values = table.fields.map((field) => {
    const value = field.type === 'TIMESTAMP' ? `make_timestamp(r.${field.name})` : `r.${field.name}`;
    return field.name === WRITE_TIME_COLUMN ? `COALESCE(${value}, make_timestamp(epoch_us(now())))` : value;
  });
  return (
    `INSERT INTO ${table.dataset}.${table.name} (${columns.join(', ')})\n` +
    `SELECT ${values.join(', ')}\nFROM (SELECT unnest(from_json($1::VARCHAR, '${JSON.stringify(shape).replaceAll("'", "''")}')) AS r)`
  );
}

/** A column's type in from_json's structure notation. */
function jsonType(field: Field): unknown {
  if (field.type === 'RECORD') {
    const struct = Object.fromEntries(field.fields!.map((sub) => [sub.name, jsonType({ ...sub, mode: 'NULLABLE' })]));
    return field.mode === 'REPEATED' ? [struct] : struct;
  }
  const scalar = field.type === 'TIMESTAMP' ? 'BIGINT' : duckdbType({ ...field, mode: 'NULLABLE' });
  return field.mode === 'REPEATED' ? [scalar] : scalar;
}
