import { setTimeout as sleep } from 'node:timers/promises';
import { access, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { OperationalError } from '../errors.ts';

export interface OpenOptions {
  /** How long to keep retrying while another process holds the file (ms). */
  lockTimeoutMs?: number;
  /** Called before each wait, e.g. to count lock contention. */
  onLockWait?: (attempt: number, waitMs: number) => void;
  /**
   * create (default): make the file and its directories if absent (setup, up); existing: refuse a
   * missing file, so a mistyped path fails instead of starting an empty warehouse; read-only: an
   * existing file, opened without write access (query).
   */
  mode?: 'create' | 'existing' | 'read-only';
}

/** Fails with one line when no warehouse file is at `path`: only setup and up create one. */
export async function requireWarehouse(path: string): Promise<void> {
  if (path === ':memory:') return;
  await access(path).catch(() => {
    throw new OperationalError(`no warehouse at ${path} (run orderflow setup, or check --database)`);
  });
}

/**
 * The block size of warehouse files this creates (an existing file keeps its own). A worker appends
 * to every column of the four raw tables in each transaction, and DuckDB gives each column being
 * appended a block in memory: at DuckDB's default of 256 KB that is ~26 MB twice over (the
 * transaction's rows and the table's), so a worker's 32MB memory_limit spilled all the time. At
 * 64 KB, DuckDB's CPU a message written at 12,000 msgs/s past the first 50k rows fell from ~50 to
 * ~30 µs (16, 32 and 128 KB: between), and the file was no larger.
 */
export const DUCKDB_BLOCK_SIZE = 65_536;

const isLockConflict = (error: unknown) => error instanceof Error && /Could not set lock on file/i.test(error.message);

/**
 * Runs `work` on the warehouse file, holding it only for that long. DuckDB lets one process open a
 * file for writing at a time, so several workers and the batch job share it by taking turns: open,
 * write, commit, close, and retry with jittered backoff while another process holds the lock.
 */
export async function withDuckDBFile<T>(path: string, work: (connection: DuckDBConnection) => Promise<T>, options: OpenOptions = {}): Promise<T> {
  const mode = options.mode ?? 'create';
  if (mode !== 'create') await requireWarehouse(path);
  else if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  const settings: Record<string, string> = mode === 'read-only' ? { access_mode: 'READ_ONLY' } : { default_block_size: String(DUCKDB_BLOCK_SIZE) };
  const deadline = Date.now() + (options.lockTimeoutMs ?? 30_000);
  for (let attempt = 1; ; attempt++) {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, settings);
    } catch (error) {
      if (!isLockConflict(error)) throw new OperationalError(`cannot open DuckDB warehouse ${path}: ${(error as Error).message}`);
      if (Date.now() >= deadline) throw new OperationalError(`DuckDB warehouse ${path} stayed locked by another process: ${(error as Error).message}`);
      const wait = Math.min(200, 2 ** Math.min(attempt, 7)) * (0.5 + Math.random());
      options.onLockWait?.(attempt, wait);
      await signalWaiting(path);
      await sleep(wait);
      continue;
    }
    // The marker has done its job once the waiter holds the file: leave none behind.
    if (attempt > 1) await rm(waitingMarker(path), { force: true });
    const connection = await instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
}

// A process waiting for the lock says so in a marker file beside the database, so a holder that
// writes continuously (a worker) gives the file up only when someone actually wants it.
const waitingMarker = (path: string) => `${path}.waiting`;
/** How recently a waiter must have touched the marker to count (above the longest retry backoff). */
const WAITING_FRESH_MS = 1000;

async function signalWaiting(path: string): Promise<void> {
  await writeFile(waitingMarker(path), String(process.pid)).catch(() => undefined);
}

/** Whether another process has been waiting for this file within the last second. */
export async function othersWaiting(path: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(waitingMarker(path))).mtimeMs < WAITING_FRESH_MS;
  } catch {
    return false;
  }
}
