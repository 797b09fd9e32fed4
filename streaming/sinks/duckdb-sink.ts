import type { DuckDBConnection } from '@duckdb/node-api';
import { loadRawTables, type TableSpec } from '../../common/table-schemas.ts';
import { appendRows } from '../../common/warehouse/duckdb-append.ts';
import { duckdbCreateTable } from '../../common/warehouse/duckdb-ddl.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { CURRENT_VIEWS, currentViewSql } from '../../common/warehouse/views.ts';
import type { RawRows } from '../../common/warehouse/rows.ts';
import { TransientWriteError } from '../errors.ts';
import type { RawTable, RowSink, WriteResult } from './sink.ts';

export interface DuckDBSinkOptions {
  /** The warehouse file, shared with other workers and the batch job. */
  path: string;
  /** How long a write waits for another process to release the file (ms). */
  lockTimeoutMs: number;
}

/** Creates the raw tables and *_current views if missing (idempotent). */
export async function setupDuckDBWarehouse(path: string, lockTimeoutMs = 30_000): Promise<void> {
  await withDuckDBFile(path, async (connection) => {
    for (const table of loadRawTables()) for (const sql of duckdbCreateTable(table)) await connection.run(sql);
    for (const view of CURRENT_VIEWS) await connection.run(`CREATE OR REPLACE VIEW raw.${view} AS\n${currentViewSql(view, { engine: 'duckdb', dataset: 'raw' })}`);
  }, { lockTimeoutMs });
}

/**
 * The DuckDB adapter of the RowSink port: one short transaction per micro-batch over all four
 * tables (BEGIN, append each, COMMIT) with the file held only for that long, so several workers
 * and the batch job share it. A failure rolls the whole batch back and is reported as transient.
 */
export class DuckDBSink implements RowSink {
  private readonly tables: Map<RawTable, TableSpec>;

  constructor(private readonly options: DuckDBSinkOptions) {
    this.tables = new Map(loadRawTables().map((table) => [table.name as RawTable, table]));
  }

  async write(batch: RawRows): Promise<WriteResult> {
    const tables = [...this.tables.entries()].filter(([name]) => batch[name].length > 0);
    if (tables.length === 0) return { rejected: [] };
    try {
      await withDuckDBFile(this.options.path, (connection) => appendAll(connection, tables.map(([name, spec]) => [spec, batch[name]])), { lockTimeoutMs: this.options.lockTimeoutMs });
    } catch (error) {
      throw new TransientWriteError(`DuckDB write to ${this.options.path} failed: ${(error as Error).message}`, { cause: error });
    }
    return { rejected: [] };
  }

  async close(): Promise<void> {}
}

/** Appends to several tables in one explicit transaction: all rows land, or none. */
export async function appendAll(connection: DuckDBConnection, writes: [TableSpec, RawRows[RawTable]][]): Promise<void> {
  await connection.run('BEGIN TRANSACTION');
  try {
    for (const [table, rows] of writes) await appendRows(connection, table, rows);
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}
