import type { DuckDBConnection } from '@duckdb/node-api';

/** An md5 per table or view of a schema over its rows sorted as text: equal checksums = the same contents, byte for byte. */
export async function schemaChecksums(connection: DuckDBConnection, schema = 'mart'): Promise<Record<string, string>> {
  const tables = (await connection.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY 1`))
    .getRowObjectsJson()
    .map((r) => String(r.table_name));
  const sums: Record<string, string> = {};
  for (const table of tables) {
    const [row] = (
      await connection.runAndReadAll(
        `SELECT md5(COALESCE(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR)), '')) AS sum FROM ${schema}.${table} AS t`,
      )
    ).getRowObjectsJson();
    sums[table] = String(row!.sum);
  }
  return sums;
}

/** An md5 per purchase date of a partitioned table. */
export async function partitionChecksums(connection: DuckDBConnection, table: string): Promise<Record<string, string>> {
  const rows = (
    await connection.runAndReadAll(
      `SELECT CAST(purchase_date AS VARCHAR) AS d, md5(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR))) AS sum FROM ${table} AS t GROUP BY 1`,
    )
  ).getRowObjectsJson();
  return Object.fromEntries(rows.map((r) => [String(r.d), String(r.sum)]));
}
