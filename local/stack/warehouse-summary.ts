import type { DuckDBConnection } from '@duckdb/node-api';

export interface WarehouseSummary {
  /** Distinct events in raw.orders ingested during this run. */
  ingestedEvents: number;
  rows: Record<'orders' | 'order_items' | 'order_payments' | 'dead_letter', number>;
  deadLettered: Record<string, number>;
  deadLetteredMessages: number;
  mart: Record<string, number>;
}

const rowsOf = async (db: DuckDBConnection, sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, string | number>[];

/** What this run put in the warehouse (rows ingested since `sinceMicros`), and the mart as it stands. */
export async function summariseWarehouse(db: DuckDBConnection, sinceMicros: bigint): Promise<WarehouseSummary> {
  const since = (column: string) => `epoch_us(${column}) >= ${sinceMicros}`;
  const rows = {} as WarehouseSummary['rows'];
  for (const table of ['orders', 'order_items', 'order_payments'] as const) {
    rows[table] = Number((await rowsOf(db, `SELECT count(*) AS n FROM raw.${table} WHERE ${since('ingested_at')}`))[0]!.n);
  }
  rows.dead_letter = Number((await rowsOf(db, `SELECT count(*) AS n FROM raw.dead_letter WHERE ${since('received_at')}`))[0]!.n);
  const ingestedEvents = Number((await rowsOf(db, `SELECT count(DISTINCT event_id) AS n FROM raw.orders WHERE ${since('ingested_at')}`))[0]!.n);
  const byReason = await rowsOf(
    db,
    `SELECT error_code, count(DISTINCT message_id) AS n FROM raw.dead_letter WHERE ${since('received_at')} GROUP BY 1 ORDER BY 1`,
  );
  const deadLettered = Object.fromEntries(byReason.map((r) => [String(r.error_code), Number(r.n)]));
  const tables = await rowsOf(db, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'mart' AND table_type = 'BASE TABLE' ORDER BY 1`);
  const mart: Record<string, number> = {};
  for (const { table_name } of tables) mart[String(table_name)] = Number((await rowsOf(db, `SELECT count(*) AS n FROM mart.${table_name}`))[0]!.n);
  return { ingestedEvents, rows, deadLettered, deadLetteredMessages: Object.values(deadLettered).reduce((a, b) => a + b, 0), mart };
}
