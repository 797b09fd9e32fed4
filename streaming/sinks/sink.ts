import type { RawRows } from '../../common/warehouse/rows.ts';

export type RawTable = keyof RawRows;

/** A row the engine refused for good (e.g. a BigQuery row error): retrying cannot help. */
export interface RejectedRow {
  table: RawTable;
  /** Index of the row within that table's array in the batch written. */
  index: number;
  reason: string;
}

export interface WriteResult {
  /** Rows not written because the engine rejected them; every other row of the batch is durable. */
  rejected: RejectedRow[];
}

/**
 * The warehouse port the worker writes through (DuckDB locally, BigQuery in production).
 * write() resolves only when every row not listed in `rejected` is durably written, and throws
 * on a transient failure (the worker then nacks so Pub/Sub redelivers); it must be safe to call
 * again with the same rows (the tables are append-only and deduped on read).
 */
export interface RowSink {
  write(batch: RawRows): Promise<WriteResult>;
  /** Throws an OperationalError unless every table exists and is writable (the worker retries it at start-up). */
  verify?(): Promise<void>;
  close(): Promise<void>;
}
