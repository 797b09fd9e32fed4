import type { Worker } from 'node:worker_threads';
import { loadWorkerTables, type TableSpec } from '../../common/table-schemas.ts';
import { encodeRows } from './duckdb-append.ts';
import type { RawRows } from '../rows.ts';
import { TransientWriteError } from '../errors.ts';
import type { DuckDBWriterOptions, EncodedWrite } from './duckdb-writer.ts';
import type { WriterReply, WriterRequest } from './duckdb-writer-protocol.ts';
import { WriteRefusedError, type RawTable, type RowSink, type WriteResult } from './sink.ts';
import { siblingModule, startModuleThread } from './module-thread.ts';

export type DuckDBSinkOptions = Omit<DuckDBWriterOptions, 'tables'>;

/** The thread keeps the process alive only while it owes an answer. */
function send(worker: Worker, request: WriterRequest): void {
  worker.ref();
  worker.postMessage(request);
}

/**
 * The DuckDB adapter of the RowSink port. The event loop only lays each batch out as JSON
 * rows; a writer thread (DuckDBWriter) inserts and commits them, so the loop that receives and
 * acks messages never waits on DuckDB, and DuckDB's statements never wait behind message handling.
 * write() resolves once the batch is committed; a batch DuckDB refuses for its values (a conversion
 * or constraint error) is reported as WriteRefusedError, any other failure as transient.
 */
export class DuckDBSink implements RowSink {
  private readonly tables: [RawTable, TableSpec][];
  private thread: Promise<Worker> | undefined;
  /** The thread once started, until lost. */
  private running: Worker | undefined;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 0;

  constructor(private readonly options: DuckDBSinkOptions) {
    this.tables = loadWorkerTables().map((table) => [table.name as RawTable, table]);
  }

  /** Not async: the batch is encoded at once, and no suspended frame keeps its rows until the commit. */
  write(batch: RawRows): Promise<WriteResult> {
    const writes: EncodedWrite[] = this.tables.flatMap(([name, spec]) => encodeRows(spec, batch[name]).map((json) => ({ table: name, json })));
    return writes.length === 0 ? Promise.resolve({ rejected: [] }) : this.request(writes).then(() => ({ rejected: [] }));
  }

  /** Waits for queued batches to be committed, then closes the file and the thread. */
  async close(): Promise<void> {
    const thread = await this.thread?.catch(() => undefined);
    if (!thread) return;
    const closed = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    this.post({ kind: 'close' });
    await closed;
  }

  private request(writes: EncodedWrite[]): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.post({ kind: 'write', id, writes });
    });
  }

  private post(request: WriterRequest): void {
    // Posted now once the thread runs, not from a promise callback: the Pub/Sub client hands over a
    // pull response's messages as process.nextTick callbacks, which all run before any promise
    // callback, so a batch filled mid-response waited for the rest of it (~10-25 ms, measured).
    if (this.running) return send(this.running, request);
    const thread = (this.thread ??= this.startThread());
    void thread.then(
      (worker) => send(worker, request),
      () => undefined,
    );
  }

  private async startThread(): Promise<Worker> {
    let worker: Worker;
    try {
      worker = startModuleThread(siblingModule('duckdb-writer-thread', import.meta.url), {
        ...this.options,
        tables: this.tables.map(([, spec]) => spec),
      } satisfies DuckDBWriterOptions);
    } catch (error) {
      this.lost(`could not start: ${(error as Error).message}`);
      throw error;
    }
    worker.on('message', (reply: WriterReply) => {
      if (reply.kind === 'closed') return;
      const waiting = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.kind === 'written') waiting?.resolve();
      else if (reply.refused) waiting?.reject(new WriteRefusedError(`DuckDB refused the rows: ${reply.message}`));
      else waiting?.reject(new TransientWriteError(`DuckDB write to ${this.options.path} failed: ${reply.message}`));
      if (this.waiting.size === 0) worker.unref();
    });
    worker.on('error', (error) => this.lost(`failed: ${error.message}`));
    worker.on('exit', (code) => this.lost(`exited with code ${code}`));
    this.running = worker;
    return worker;
  }

  /** The thread is gone: what it owed fails (and is redelivered); the next write starts a new one. */
  private lost(why: string): void {
    this.thread = undefined;
    this.running = undefined;
    for (const waiting of this.waiting.values()) waiting.reject(new TransientWriteError(`DuckDB writer thread ${why}`));
    this.waiting.clear();
  }
}
