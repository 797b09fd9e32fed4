import type { WarehouseConfig } from '../streaming/sinks/factory.ts';

// Each engine's setup is imported when used: setting up DuckDB never loads the BigQuery clients.

/** Creates the raw tables and *_current views for the configured engine (idempotent). */
export async function setupWarehouse(config: WarehouseConfig): Promise<void> {
  switch (config.engine) {
    case 'duckdb':
      return (await import('./duckdb.ts')).setupDuckDBWarehouse(config.database, config.lockTimeoutMs);
    case 'bigquery':
      await (await import('./bigquery.ts')).setupBigQuery({ projectId: config.projectId, ...(config.location ? { location: config.location } : {}) });
  }
}
