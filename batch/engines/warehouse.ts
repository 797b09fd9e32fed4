import type { Target } from '../dialect.ts';
import type { QueryParams, Statement } from '../params.ts';

export type Dataset = keyof Target['datasets'];
export type JsonRow = Record<string, unknown>;
/** A column as the engine reports it (DuckDB: VARCHAR, DECIMAL(18,2), ...; BigQuery: STRING, NUMERIC, ...). */
export interface TableColumn {
  name: string;
  type: string;
}

/** Groups information_schema rows (table_name, column_name, data_type), already in column order, by table. */
export function columnsByTable(rows: readonly JsonRow[]): Map<string, TableColumn[]> {
  const tables = new Map<string, TableColumn[]>();
  for (const row of rows) {
    const table = String(row.table_name);
    if (!tables.has(table)) tables.set(table, []);
    tables.get(table)!.push({ name: String(row.column_name), type: String(row.data_type) });
  }
  return tables;
}

/**
 * What the batch job needs of a warehouse: run statements, read small results, land a snapshot
 * file's rows, and publish atomically. One adapter per engine (DuckDB, BigQuery).
 */
export interface Warehouse {
  readonly target: Target;
  /** Creates what the job may assume exists (DuckDB: schemas and raw tables; BigQuery: Terraform did). */
  prepare(): Promise<void>;
  /** Runs one statement (DDL or DML) with the named parameters its placeholders name (params.ts). */
  execute(sql: string, params?: QueryParams): Promise<void>;
  /** Runs a query with the named parameters its placeholders name, and returns its rows with JSON-safe values. */
  query(sql: string, params?: QueryParams): Promise<JsonRow[]>;
  /** Names of the tables and views in a dataset. */
  listTables(dataset: Dataset): Promise<Set<string>>;
  /** Every table's columns in a dataset, in table order, with the engine's own type names. */
  columns(dataset: Dataset): Promise<Map<string, TableColumn[]>>;
  /** Replaces `dataset.table` with these rows, every column a nullable string (a CSV's shape). */
  loadStrings(dataset: Dataset, table: string, columns: readonly string[], rows: readonly (string | null)[][]): Promise<void>;
  /**
   * Publishes: `ddl` prepares (creates missing tables, replaces views), then `dml` runs as one
   * transaction, all or nothing. DuckDB runs both inside one transaction; BigQuery cannot run DDL
   * in a transaction, so it runs the idempotent DDL first and then one multi-statement transaction
   * (one script: the DML statements' parameters are bound to it together, params.ts mergeParams).
   */
  publish(ddl: readonly string[], dml: readonly Statement[]): Promise<void>;
}
