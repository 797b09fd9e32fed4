import type { Engine } from '../../common/engines.ts';
import { DUCKDB_HOLD_DEFAULTS } from './engines.ts';
import type { RowSink } from './sink.ts';

// Each adapter is imported when its engine is used: a DuckDB worker never loads the BigQuery
// clients, and the reverse.

export interface WarehouseConfig {
  engine: Engine;
  /** DuckDB: the warehouse file. */
  database: string;
  /** DuckDB: how long to wait for another process holding the file (ms). */
  lockTimeoutMs: number;
  /** DuckDB: let a waiting process have the file after this long (ms); 0 closes it after each batch. */
  holdMs?: number;
  /** DuckDB: memory_limit while writing. */
  memoryLimit?: string;
  /** BigQuery: the project holding the raw dataset. */
  projectId: string;
  /** BigQuery setup: where the raw dataset is created when missing. */
  location?: string;
}

/** The RowSink for the configured engine. */
export async function openSink(config: WarehouseConfig): Promise<RowSink> {
  switch (config.engine) {
    case 'duckdb': {
      const [{ DuckDBSink }, { setupDuckDBWarehouse }, { requireWarehouse }] = await Promise.all([
        import('./duckdb-sink.ts'),
        import('../../setup/duckdb.ts'),
        import('../../common/warehouse/duckdb-file.ts'),
      ]);
      // Only setup creates a warehouse: a mistyped --database must not start a second one.
      await requireWarehouse(config.database);
      await setupDuckDBWarehouse(config.database, config.lockTimeoutMs);
      return new DuckDBSink({
        path: config.database,
        lockTimeoutMs: config.lockTimeoutMs,
        ...(config.holdMs === undefined ? {} : { maxHoldMs: config.holdMs, holdIdleMs: config.holdMs === 0 ? 0 : DUCKDB_HOLD_DEFAULTS.holdIdleMs }),
        ...(config.memoryLimit === undefined ? {} : { memoryLimit: config.memoryLimit }),
      });
    }
    case 'bigquery': {
      const { createBigQuerySink } = await import('./bigquery/bigquery-sink.ts');
      // The worker calls verify() at start-up: a missing table or unusable credentials fail in one line.
      return createBigQuerySink({ projectId: config.projectId });
    }
  }
}
