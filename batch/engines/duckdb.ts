import type { DuckDBConnection } from '@duckdb/node-api';
import { loadRawTables } from '../../common/table-schemas.ts';
import { duckdbCreateTable, duckdbType } from '../../common/warehouse/duckdb-ddl.ts';
import type { Target } from '../dialect.ts';
import type { QueryParams, Statement } from '../params.ts';
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
    const bound = await bind(params);
    await this.connection.run(sql, bound?.values, bound?.types);
  }

  async query(sql: string, params?: QueryParams): Promise<JsonRow[]> {
    const bound = await bind(params);
    return (await this.connection.runAndReadAll(sql, bound?.values, bound?.types)).getRowObjectsJson() as JsonRow[];
  }

  async listTables(dataset: Dataset): Promise<Set<string>> {
    const schema = this.target.datasets[dataset];
    const rows = await this.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $schema', {
      schema: { type: 'STRING', value: schema },
    });
    return new Set(rows.map((r) => String(r.table_name)));
  }

  async columns(dataset: Dataset): Promise<Map<string, TableColumn[]>> {
    const schema = this.target.datasets[dataset];
    return columnsByTable(
      await this.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = $schema ORDER BY table_name, ordinal_position`,
        { schema: { type: 'STRING', value: schema } },
      ),
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

/**
 * The statement's parameters as @duckdb/node-api values (duckdb-values.ts), loaded when a statement
 * has any: importing this file (DUCKDB_TARGET) does not load the DuckDB binding.
 */
const bind = async (params: QueryParams | undefined) => (params ? (await import('./duckdb-values.ts')).duckdbValues(params) : undefined);
