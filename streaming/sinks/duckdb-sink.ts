import { DUCKDB_HOLD_DEFAULTS } from './engines.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadRawTables, type TableSpec } from '../../common/table-schemas.ts';
import { appendRows } from '../../common/warehouse/duckdb-append.ts';
import { duckdbCreateTable } from '../../common/warehouse/duckdb-ddl.ts';
import { othersWaiting, withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { CURRENT_VIEWS, currentViewSql } from '../../common/warehouse/views.ts';
import type { RawRows } from '../../common/warehouse/rows.ts';
import { TransientWriteError } from '../errors.ts';
import type { RawTable, RowSink, WriteResult } from './sink.ts';

export interface DuckDBSinkOptions {
  /** The warehouse file, shared with other workers and the batch job. */
  path: string;
  /** How long a write waits for another process to release the file (ms). */
  lockTimeoutMs: number;
  /** Keep the file open this long for the next batch (ms); 0 closes it after every batch. */
  holdIdleMs?: number;
  /** Give the file up after holding it this long (ms), so other processes get their turn. */
  maxHoldMs?: number;
}


// After giving the file up for fairness, wait longer than withDuckDBFile's longest backoff
// (200 ms x 1.5) so a process waiting for the lock takes it before this one opens it again.
const YIELD_MS = 400;

/** Creates the raw tables and *_current views if missing (idempotent). */
export async function setupDuckDBWarehouse(path: string, lockTimeoutMs = 30_000): Promise<void> {
  await withDuckDBFile(path, async (connection) => {
    for (const table of loadRawTables()) for (const sql of duckdbCreateTable(table)) await connection.run(sql);
    for (const view of CURRENT_VIEWS) await connection.run(`CREATE OR REPLACE VIEW raw.${view} AS\n${currentViewSql(view, { engine: 'duckdb', dataset: 'raw' })}`);
  }, { lockTimeoutMs });
}

interface Pending {
  writes: [TableSpec, RawRows[RawTable]][];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The DuckDB adapter of the RowSink port: one short transaction per micro-batch over all four
 * tables (BEGIN, append each, COMMIT); a failure rolls the whole batch back and is reported as
 * transient. The file is held only while batches keep coming (a commit is durable in the WAL; the
 * checkpoint on close is what costs, so it is shared by consecutive batches) and at most
 * maxHoldMs at a time, so several workers and the batch job share it by taking turns.
 */
export class DuckDBSink implements RowSink {
  private readonly tables: [RawTable, TableSpec][];
  private readonly queue: Pending[] = [];
  private session: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private closing = false;
  private readonly hold: { holdIdleMs: number; maxHoldMs: number };

  constructor(private readonly options: DuckDBSinkOptions) {
    this.tables = loadRawTables().map((table) => [table.name as RawTable, table]);
    this.hold = { holdIdleMs: options.holdIdleMs ?? DUCKDB_HOLD_DEFAULTS.holdIdleMs, maxHoldMs: options.maxHoldMs ?? DUCKDB_HOLD_DEFAULTS.maxHoldMs };
  }

  async write(batch: RawRows): Promise<WriteResult> {
    const writes = this.tables.filter(([name]) => batch[name].length > 0).map(([name, spec]): [TableSpec, RawRows[RawTable]] => [spec, batch[name]]);
    if (writes.length === 0) return { rejected: [] };
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ writes, resolve, reject });
      this.wake?.();
      this.startSessions();
    });
    return { rejected: [] };
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
        const failure = new TransientWriteError(`DuckDB write to ${this.options.path} failed: ${(error as Error).message}`, { cause: error });
        for (const pending of this.queue.splice(0)) pending.reject(failure);
        return;
      }
      if (released === 'turn' && this.queue.length > 0 && !this.closing && (await othersWaiting(this.options.path))) await sleep(YIELD_MS);
    }
  }

  /** Writes queued batches while they keep coming; says why it let the file go. */
  private async holdFile(connection: DuckDBConnection): Promise<'idle' | 'turn'> {
    const released = await this.writeWhileComing(connection);
    // Closing checkpoints the WAL into the file, synchronously on the event loop; doing it here
    // runs it on DuckDB's threads while messages keep being received.
    await connection.run('CHECKPOINT');
    return released;
  }

  private async writeWhileComing(connection: DuckDBConnection): Promise<'idle' | 'turn'> {
    let opened = performance.now();
    for (;;) {
      if (this.queue.length === 0 && !(await this.nextWithin(this.hold.holdIdleMs))) return 'idle';
      // Group commit: every batch queued while the last one was written goes in one transaction,
      // so a backlog pays one COMMIT (and WAL sync) per group rather than per batch.
      const group = this.queue.splice(0);
      try {
        await appendAll(connection, mergeByTable(group.flatMap((pending) => pending.writes)));
        for (const pending of group) pending.resolve();
      } catch (error) {
        // One bad batch must not fail the others it was grouped with: each goes again on its own.
        const failed = group.length === 1 ? [[group[0]!, error] as const] : await this.writeEachAlone(connection, group);
        for (const [pending, cause] of failed) {
          pending.reject(new TransientWriteError(`DuckDB write to ${this.options.path} failed: ${(cause as Error).message}`, { cause }));
        }
        // A fresh connection for whatever comes next.
        if (failed.length > 0) return 'idle';
      }
      if (performance.now() - opened >= this.hold.maxHoldMs) {
        if (await othersWaiting(this.options.path)) return 'turn';
        // Nobody wants the file: keep it (no close and reopen), but checkpoint as a turn would, so
        // the rows committed since do not pile up in DuckDB's memory.
        await connection.run('CHECKPOINT');
        opened = performance.now();
      }
    }
  }

  /** Writes each batch in its own transaction; resolves the ones that land, returns the rest with their errors. */
  private async writeEachAlone(connection: DuckDBConnection, group: Pending[]): Promise<(readonly [Pending, unknown])[]> {
    const failed: (readonly [Pending, unknown])[] = [];
    for (const pending of group) {
      try {
        await appendAll(connection, pending.writes);
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
}

/** One entry per table: a group of batches becomes one appender per table. */
function mergeByTable(writes: [TableSpec, RawRows[RawTable]][]): [TableSpec, RawRows[RawTable]][] {
  const merged = new Map<TableSpec, RawRows[RawTable]>();
  for (const [table, rows] of writes) {
    const into = merged.get(table);
    if (into) for (const row of rows) into.push(row);
    else merged.set(table, [...rows]);
  }
  return [...merged];
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
