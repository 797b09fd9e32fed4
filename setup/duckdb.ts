import { loadRawTables } from '../common/table-schemas.ts';
import { duckdbCreateTable } from '../common/warehouse/duckdb-ddl.ts';
import { withDuckDBFile } from '../common/warehouse/duckdb-file.ts';
import { CURRENT_VIEWS, currentViewSql } from '../common/warehouse/views.ts';

/** Creates the raw tables and *_current views if missing (idempotent). */
export async function setupDuckDBWarehouse(path: string, lockTimeoutMs = 30_000): Promise<void> {
  await withDuckDBFile(
    path,
    async (connection) => {
      for (const table of loadRawTables()) for (const sql of duckdbCreateTable(table)) await connection.run(sql);
      for (const view of CURRENT_VIEWS)
        await connection.run(`CREATE OR REPLACE VIEW raw.${view} AS\n${currentViewSql(view, { engine: 'duckdb', dataset: 'raw' })}`);
    },
    { lockTimeoutMs },
  );
}
