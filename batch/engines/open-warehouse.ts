import type { Engine } from '../../common/engines.ts';
import type { Warehouse } from './warehouse.ts';

export interface WarehouseLocation {
  engine: Engine;
  /** DuckDB file (with engine duckdb). */
  database: string;
  /** Google Cloud project of the datasets (with engine bigquery). */
  project?: string;
  /** BigQuery location of the datasets (default: inferred by BigQuery). */
  location?: string;
  /** How long to wait for the DuckDB file while a worker holds it. */
  lockTimeoutMs?: number;
}

/**
 * Runs `work` on the warehouse of a command's flags: BigQuery through @google-cloud/bigquery, or
 * the DuckDB file, held for the duration of `work` only (the workers share it by short turns).
 * The clients are loaded here so that commands that never open a warehouse do not load them.
 */
export async function withWarehouse<T>(where: WarehouseLocation, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  if (where.engine === 'bigquery') {
    const [{ BigQuery }, { BigQueryWarehouse, GoogleBigQueryClient, bigqueryTarget }] = await Promise.all([
      import('@google-cloud/bigquery'),
      import('./bigquery.ts'),
    ]);
    const client = new GoogleBigQueryClient(new BigQuery({ projectId: where.project }), where.location);
    return work(new BigQueryWarehouse(client, bigqueryTarget(where.project!)));
  }
  const [{ withDuckDBFile }, { DuckDBWarehouse }] = await Promise.all([import('../../common/warehouse/duckdb-file.ts'), import('./duckdb.ts')]);
  return withDuckDBFile(where.database, (connection) => work(new DuckDBWarehouse(connection)), {
    lockTimeoutMs: where.lockTimeoutMs ?? 120_000,
    mode: 'existing',
  });
}
