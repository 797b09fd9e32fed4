import { BIGINT, DATE, DuckDBDateValue, TIMESTAMP, VARCHAR, timestampValue, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { loadRawTables } from '../../common/table-schemas.ts';
import { duckdbCreateTable, duckdbType } from '../../common/warehouse/duckdb-ddl.ts';
import type { Target } from '../dialect.ts';
import { naiveUtcMicros, type QueryParam, type QueryParams, type Statement } from '../params.ts';
import { columnsByTable, type Dataset, type JsonRow, type TableColumn, type Warehouse } from './warehouse.ts';

/** DuckDB schemas standing in for the BigQuery datasets. */
export const DUCKDB_TARGET: Target = { engine: 'duckdb', datasets: { raw: 'raw', audit: 'audit', mart: 'mart' } };

/** The batch job's warehouse on one DuckDB connection (the caller holds the file for the run). */
export class DuckDBWarehouse implements Warehouse {
  constructor(
    private readonly connection: DuckDBConnection,
    readonly target: Target = DUCKDB_TARGET,
  ) {}

  async prepare(): Promise<void> {
    for (const schema of Object.values(this.target.datasets)) await this.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    // A fresh warehouse file has no raw tables until the worker's first write; a file from before
    // a nullable column was added to schemas/ gets it (its rows read NULL, as the contract allows).
    for (const table of loadRawTables()) {
      for (const sql of duckdbCreateTable(table)) await this.execute(sql);
      for (const field of table.fields.filter((f) => f.mode === 'NULLABLE')) {
        await this.execute(`ALTER TABLE ${table.dataset}.${table.name} ADD COLUMN IF NOT EXISTS ${field.name} ${duckdbType(field)}`);
      }
    }
  }

  async execute(sql: string, params?: QueryParams): Promise<void> {
    const bound = duckdbValues(params);
    await this.connection.run(sql, bound?.values, bound?.types);
  }

  async query(sql: string, params?: QueryParams): Promise<JsonRow[]> {
    const bound = duckdbValues(params);
    return (await this.connection.runAndReadAll(sql, bound?.values, bound?.types)).getRowObjectsJson() as JsonRow[];
  }

  async listTables(dataset: Dataset): Promise<Set<string>> {
    const schema = this.target.datasets[dataset];
    const rows = await this.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}'`);
    return new Set(rows.map((r) => String(r.table_name)));
  }

  async columns(dataset: Dataset): Promise<Map<string, TableColumn[]>> {
    const schema = this.target.datasets[dataset];
    return columnsByTable(
      await this.query(`SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = '${schema}' ORDER BY table_name, ordinal_position`),
    );
  }

  async loadStrings(dataset: Dataset, table: string, columns: readonly string[], rows: readonly (string | null)[][]): Promise<void> {
    const schema = this.target.datasets[dataset];
    await this.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await this.execute(`CREATE OR REPLACE TABLE ${schema}.${table} (${columns.map((c) => `${c} VARCHAR`).join(', ')})`);
    const appender = await this.connection.createAppender(table, schema);
    try {
      for (const row of rows) {
        for (const value of row) {
          if (value === null) appender.appendNull();
          else appender.appendVarchar(value);
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  async publish(ddl: readonly string[], dml: readonly Statement[]): Promise<void> {
    await this.execute('BEGIN TRANSACTION');
    try {
      for (const sql of ddl) await this.execute(sql);
      for (const { sql, params } of dml) await this.execute(sql, params);
      await this.execute('COMMIT');
    } catch (error) {
      await this.execute('ROLLBACK');
      throw error;
    }
  }
}

const DUCKDB_TYPES: Record<QueryParam['type'], DuckDBType> = { STRING: VARCHAR, INT64: BIGINT, TIMESTAMP: TIMESTAMP, DATE: DATE };

/** Named values for @duckdb/node-api, each with its type: a TIMESTAMP binds as TIMESTAMP (naive UTC), not TIMESTAMPTZ. */
function duckdbValues(params: QueryParams | undefined): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } | undefined {
  if (!params) return undefined;
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const [name, param] of Object.entries(params)) {
    types[name] = DUCKDB_TYPES[param.type];
    if (param.type === 'TIMESTAMP') values[name] = timestampValue(naiveUtcMicros(param.value));
    else if (param.type === 'DATE') values[name] = new DuckDBDateValue(Date.parse(`${param.value}T00:00:00Z`) / 86_400_000);
    else values[name] = param.value;
  }
  return { values, types };
}
