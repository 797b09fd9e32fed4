import { setTimeout as sleep } from 'node:timers/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TableSpec } from '../../common/table-schemas.ts';
import { insertRows } from './duckdb-append.ts';
import { othersWaiting, withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { DUCKDB_HOLD_DEFAULTS, DUCKDB_WORKER_CHECKPOINT_THRESHOLD, DUCKDB_WORKER_MEMORY_LIMIT } from './engines.ts';

export interface DuckDBWriterOptions {
  /** The raw tables (from schemas/, read by the caller: the writer's thread reads no files). */
  tables: TableSpec[];
  /** The warehouse file, shared with other workers and the batch job. */
  path: string;
  /** How long a write waits for another process to release the file (ms). */
  lockTimeoutMs: number;
  /** While no batch comes, check this often whether another process wants the file (ms); 0 closes it after every batch. */
  holdIdleMs?: number;
  /** Give the file up after holding it this long while others wait, or after this long without batches (ms). */
  maxHoldMs?: number;
  /** DuckDB's memory_limit while writing (e.g. '64MB'): it caches the file's blocks up to it. */
  memoryLimit?: string;
}

// DuckDB's error types about the values of a statement (its message starts with the type):
// the same rows fail the same way every time. Anything else (IO, lock, memory, interrupt,
// transaction conflict) may pass on retry.
const REFUSAL = /^(Conversion|Invalid Input|Constraint|Out of Range|Mismatch Type|Invalid type) Error\b/;

/** Whether a failed write was DuckDB refusing the data (for good), not a transient failure. */
export const isRefusal = (error: unknown) => error instanceof Error && REFUSAL.test(error.message);

/** Up to 2,048 of one table's rows, as encodeRows laid them out. */
export interface EncodedWrite {
  table: string;
  json: string;
}

// After giving the file up for fairness, wait longer than withDuckDBFile's longest backoff
// (200 ms x 1.5) so a process waiting for the lock takes it before this one opens it again.
const YIELD_MS = 400;

interface Pending {
  writes: EncodedWrite[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Writes encoded batches to the warehouse file: one short transaction per batch over all four
 * tables (BEGIN, insert each, COMMIT); a failure rolls the whole batch back. The file is held while
 * batches keep coming (a commit is durable in the WAL; checkpoints are what cost, so they are
 * shared by many batches) and given up after maxHoldMs when another process waits for it, so
 * several workers and the batch job take turns.
 */
export class DuckDBWriter {
  private readonly tables: Map<string, TableSpec>;
  private readonly queue: Pending[] = [];
  private session: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private closing = false;
  private readonly hold: { holdIdleMs: number; maxHoldMs: number };

  constructor(private readonly options: DuckDBWriterOptions) {
    this.tables = new Map(options.tables.map((table) => [table.name, table]));
    this.hold = { holdIdleMs: options.holdIdleMs ?? DUCKDB_HOLD_DEFAULTS.holdIdleMs, maxHoldMs: options.maxHoldMs ?? DUCKDB_HOLD_DEFAULTS.maxHoldMs };
  }

  /** Resolves once the batch is committed; rejects, with the batch rolled back, when it cannot be. */
  write(writes: EncodedWrite[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ writes, resolve, reject });
      this.wake?.();
      this.startSessions();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.session;
  }

  private startSessions(): void {
    this.session ??= this.runSessions().finally(() => {
      this.session = undefined;
      // A batch queued while the last turn was ending gets a turn of its own.
      if (this.queue.length > 0) this.startSessions();
    });
  }

  /** Turns on the file until the queue is empty. */
  private async runSessions(): Promise<void> {
    while (this.queue.length > 0) {
      let released: 'idle' | 'turn';
      try {
        released = await withDuckDBFile(this.options.path, (connection) => this.holdFile(connection), { lockTimeoutMs: this.options.lockTimeoutMs });
      } catch (error) {
        for (const pending of this.queue.splice(0)) pending.reject(error as Error);
        return;
      }
      if (released === 'turn' && this.queue.length > 0 && !this.closing && (await othersWaiting(this.options.path))) await sleep(YIELD_MS);
    }
  }

  /** Writes queued batches while they keep coming; says why it let the file go. */
  private async holdFile(connection: DuckDBConnection): Promise<'idle' | 'turn'> {
    // Held for long, DuckDB would otherwise keep caching the blocks it writes, up to 80% of RAM.
    await connection.run(`SET memory_limit = '${(this.options.memoryLimit ?? DUCKDB_WORKER_MEMORY_LIMIT).replaceAll("'", '')}'`);
    // One thread: a batch's inserts do not parallelise, and DuckDB's extra threads only compete with
    // the event loop for the worker's cores (measured: ~25% less CPU a message, no slower).
    await connection.run('SET threads = 1');
    await connection.run(`SET checkpoint_threshold = '${DUCKDB_WORKER_CHECKPOINT_THRESHOLD}'`);
    const released = await this.writeWhileComing(connection);
    // Closing checkpoints the WAL into the file synchronously; doing it here first runs it off the
    // JavaScript thread.
    await connection.run('CHECKPOINT');
    return released;
  }

  private async writeWhileComing(connection: DuckDBConnection): Promise<'idle' | 'turn'> {
    let opened = performance.now();
    let idleSince: number | undefined;
    for (;;) {
      if (this.queue.length === 0 && !(await this.nextWithin(this.hold.holdIdleMs))) {
        // Reopening costs more than a short lull: keep the file unless another process asks for it.
        if (this.closing || this.hold.holdIdleMs === 0) return 'idle';
        if (await othersWaiting(this.options.path)) return 'turn';
        idleSince ??= performance.now();
        if (performance.now() - idleSince >= this.hold.maxHoldMs) return 'idle';
        continue;
      }
      idleSince = undefined;
      // Group commit: every batch queued while the last one was written goes in one transaction,
      // so a backlog pays one COMMIT (and WAL sync) per group rather than per batch.
      const group = this.queue.splice(0);
      try {
        await this.insertAll(
          connection,
          group.flatMap((pending) => pending.writes),
        );
        for (const pending of group) pending.resolve();
      } catch (error) {
        // One bad batch must not fail the others it was grouped with: each goes again on its own.
        const failed = group.length === 1 ? [[group[0]!, error] as const] : await this.writeEachAlone(connection, group);
        for (const [pending, cause] of failed) {
          pending.reject(cause as Error);
        }
        // A fresh connection for whatever comes next.
        if (failed.length > 0) return 'idle';
      }
      // Nobody waiting: keep the file (no close, checkpoint and reopen); DuckDB checkpoints when
      // its WAL reaches the threshold, and memory_limit spills what it cannot cache.
      if (performance.now() - opened >= this.hold.maxHoldMs) {
        if (await othersWaiting(this.options.path)) return 'turn';
        opened = performance.now();
      }
    }
  }

  /** Writes each batch in its own transaction; resolves the ones that land, returns the rest with their errors. */
  private async writeEachAlone(connection: DuckDBConnection, group: Pending[]): Promise<(readonly [Pending, unknown])[]> {
    const failed: (readonly [Pending, unknown])[] = [];
    for (const pending of group) {
      try {
        await this.insertAll(connection, pending.writes);
        pending.resolve();
      } catch (error) {
        failed.push([pending, error]);
      }
    }
    return failed;
  }

  private async nextWithin(ms: number): Promise<Pending | undefined> {
    if (this.closing || ms <= 0) return undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
    return this.closing ? undefined : this.queue[0];
  }

  /** Inserts into several tables in one explicit transaction: all rows land, or none. */
  private async insertAll(connection: DuckDBConnection, writes: EncodedWrite[]): Promise<void> {
    await connection.run('BEGIN TRANSACTION');
    try {
      for (const { table, json } of writes) await insertRows(connection, this.tableSpec(table), json);
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK');
      throw error;
    }
  }

  private tableSpec(name: string): TableSpec {
    const spec = this.tables.get(name);
    if (!spec) throw new Error(`no raw table ${name}`);
    return spec;
  }
}
