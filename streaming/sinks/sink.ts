import type { RawTableName as RawTable } from '../../common/table-schemas.ts';
import type { RawRows } from '../rows.ts';

export type { RawTable };

/** A row the engine refused for good (e.g. a BigQuery row error): retrying cannot help. */
export interface RejectedRow {
  table: RawTable;
  /** Index of the row within that table's array in the batch written. */
  index: number;
  reason: string;
}

/**
 * The engine refused a whole write for good because of what some rows hold (a value it cannot
 * store, a request it will never take): retrying the same batch cannot help, so the pipeline
 * narrows the batch down to the messages refused (bisection) and dead-letters only those.
 * Failures that are not about the data (a lock, the network, a missing table) are not this.
 */
export class WriteRefusedError extends Error {
  override name = 'WriteRefusedError';
  /**
   * Tables of the batch whose rows were durably written all the same (BigQuery appends each
   * table on its own), so a narrowed-down retry leaves them out rather than writing them twice.
   */
  readonly committed: readonly RawTable[];
  constructor(message: string, options: ErrorOptions & { committed?: readonly RawTable[] } = {}) {
    super(message, options);
    this.committed = options.committed ?? [];
  }
}

export interface WriteResult {
  /** Rows not written because the engine rejected them; every other row of the batch is durable. */
  rejected: RejectedRow[];
}

/**
 * The warehouse port the worker writes through (DuckDB locally, BigQuery in production).
 * write() resolves only when every row not listed in `rejected` is durably written; throws
 * WriteRefusedError when the engine refuses the batch for good because of its data, and any other
 * error on a transient failure (the worker then nacks so Pub/Sub redelivers); it must be safe to call
 * again with the same rows (the tables are append-only and deduped on read).
 */
export interface RowSink {
  write(batch: RawRows): Promise<WriteResult>;
  /** Throws an OperationalError unless every table exists and is writable (the worker retries it at start-up). */
  verify?(): Promise<void>;
  close(): Promise<void>;
}
