import type { RawRows } from '../../common/warehouse/rows.ts';
import { DrainingError, TransientWriteError } from '../errors.ts';
import type { RawTable, RejectedRow, RowSink } from '../sinks/sink.ts';
import { classify, rowCount, type Classified } from './classify.ts';
import type { InboundMessage } from './message.ts';
import { MicroBatcher, type BatchLimits } from './micro-batcher.ts';
import { acks, decide, type Outcome, type WriteStatus } from './outcome.ts';
import type { ProcessedSpy } from './processed-spy.ts';
import { RecentIds } from './recent-ids.ts';
import { deadLetter } from './split.ts';
import type { WorkerStats } from './stats.ts';

export interface PipelineOptions {
  sink: RowSink;
  limits: BatchLimits;
  /** Event ids remembered for in-process dedupe. */
  dedupeCapacity: number;
  stats: WorkerStats;
  spy?: ProcessedSpy;
  clock?: () => Date;
}

interface Entry {
  message: InboundMessage;
  classified: Classified;
}

const TABLES: RawTable[] = ['orders', 'order_items', 'order_payments', 'dead_letter'];

/**
 * decode -> validate -> split -> dedupe -> micro-batch -> write -> settle, for messages from any
 * source. process() resolves with the message's outcome once it is decided; the source acks or
 * nacks accordingly.
 */
export class Pipeline {
  private readonly recent: RecentIds;
  /** Event ids whose rows are being written: a duplicate arriving meanwhile shares that outcome. */
  private readonly writing = new Map<string, Promise<Outcome>>();
  private readonly batcher: MicroBatcher<Entry, WriteStatus>;
  private readonly clock: () => Date;
  private draining = false;

  constructor(private readonly options: PipelineOptions) {
    this.recent = new RecentIds(options.dedupeCapacity);
    this.clock = options.clock ?? (() => new Date());
    this.batcher = new MicroBatcher(options.limits, (entries) => this.write(entries));
  }

  async process(message: InboundMessage): Promise<Outcome> {
    const { stats } = this.options;
    stats.received += 1;
    stats.inFlight += 1;
    let classified: Classified | undefined;
    try {
      const outcome = this.draining ? { kind: 'nack' as const, error: new DrainingError('the worker is shutting down') } : await this.route((classified = classify(message, this.clock())), message);
      if (acks(outcome)) stats.acked += 1;
      else stats.nacked += 1;
      if (outcome.kind === 'dead-letter') stats.deadLettered += 1;
      this.options.spy?.record({ messageId: message.id, ...(classified?.eventId === undefined ? {} : { eventId: classified.eventId }), outcome });
      return outcome;
    } finally {
      stats.inFlight -= 1;
    }
  }

  /** Stops taking messages (later ones are nacked) and writes everything buffered. */
  async drain(): Promise<void> {
    this.draining = true;
    await this.batcher.flush();
  }

  private async route(classified: Classified, message: InboundMessage): Promise<Outcome> {
    const { stats } = this.options;
    if (classified.kind === 'invalid') {
      stats.invalid += 1;
      return this.enqueue({ message, classified });
    }
    stats.valid += 1;
    const { eventId } = classified;
    const pending = this.writing.get(eventId);
    // Awaited only when there is one, so two copies arriving together cannot both pass this check.
    const earlier = this.recent.has(eventId) ? ({ kind: 'ack', reason: 'written' } as const) : pending && (await pending);
    if (earlier && acks(earlier)) {
      stats.duplicatesDropped += 1;
      return { kind: 'ack', reason: 'duplicate' };
    }
    // Not seen, or its earlier copy failed to write: this copy is written.
    const outcome = this.enqueue({ message, classified });
    this.writing.set(eventId, outcome);
    try {
      const settled = await outcome;
      if (settled.kind === 'ack') this.recent.add(eventId);
      return settled;
    } finally {
      if (this.writing.get(eventId) === outcome) this.writing.delete(eventId);
    }
  }

  private async enqueue(entry: Entry): Promise<Outcome> {
    const status = await this.batcher.add(entry, { rows: rowCount(entry.classified.rows), bytes: entry.message.data.length });
    return decide(entry.classified.kind === 'invalid' ? { errorCode: entry.classified.errorCode } : {}, status);
  }

  /** Writes one micro-batch over all tables; never throws (a failure becomes each entry's status). */
  private async write(entries: Entry[]): Promise<WriteStatus[]> {
    const { sink, stats } = this.options;
    const batch: RawRows = { orders: [], order_items: [], order_payments: [], dead_letter: [] };
    // owners[table][i] = the entry that produced row i of that table, to map rejections back.
    const owners: Record<RawTable, number[]> = { orders: [], order_items: [], order_payments: [], dead_letter: [] };
    entries.forEach((entry, i) => {
      for (const table of TABLES) {
        for (const row of entry.classified.rows[table]) {
          batch[table].push(row);
          owners[table].push(i);
        }
      }
    });
    const started = performance.now();
    let rejected: RejectedRow[];
    try {
      ({ rejected } = await sink.write(batch));
    } catch (error) {
      stats.failedBatches += 1;
      const failure = error instanceof TransientWriteError ? error : new TransientWriteError(`write failed: ${(error as Error).message}`, { cause: error });
      return entries.map(() => ({ status: 'failed', error: failure }));
    }
    stats.recordBatch(performance.now() - started);
    const reasons = new Map<number, RejectedRow[]>();
    for (const row of rejected) {
      const owner = owners[row.table][row.index]!;
      reasons.set(owner, [...(reasons.get(owner) ?? []), row]);
    }
    for (const table of TABLES) stats.rows[table] += batch[table].length - rejected.filter((row) => row.table === table).length;
    const statuses: WriteStatus[] = entries.map(() => ({ status: 'durable' }));
    if (reasons.size > 0) await this.deadLetterRejected(entries, reasons, statuses);
    return statuses;
  }

  /**
   * Messages whose rows the engine refused for good become dead-letter rows (retrying cannot
   * help); a refused dead-letter row, or a failed write of these, leaves the message to Pub/Sub's
   * retries and dead-letter topic.
   */
  private async deadLetterRejected(entries: Entry[], reasons: Map<number, RejectedRow[]>, statuses: WriteStatus[]): Promise<void> {
    const owners = [...reasons.keys()];
    const unrecoverable = owners.filter((i) => entries[i]!.classified.kind === 'invalid');
    for (const i of unrecoverable) statuses[i] = { status: 'failed', error: new TransientWriteError(`dead-letter row rejected: ${reasons.get(i)![0]!.reason}`) };
    const recoverable = owners.filter((i) => entries[i]!.classified.kind === 'valid');
    if (recoverable.length === 0) return;
    const rows = recoverable.map((i) => {
      const { message, classified } = entries[i]!;
      const errors = reasons.get(i)!.map((row) => ({ code: 'write_rejected' as const, path: '', message: `${row.table} row refused: ${row.reason}` }));
      return deadLetter(message, 'write_rejected', errors, this.clock(), classified.eventId);
    });
    try {
      const { rejected } = await this.options.sink.write({ orders: [], order_items: [], order_payments: [], dead_letter: rows });
      const refused = new Set(rejected.map((row) => row.index));
      recoverable.forEach((owner, k) => {
        statuses[owner] = refused.has(k) ? { status: 'failed', error: new TransientWriteError('dead-letter row rejected') } : { status: 'rejected' };
      });
      this.options.stats.rows.dead_letter += rows.length - refused.size;
    } catch (error) {
      for (const owner of recoverable) statuses[owner] = { status: 'failed', error: new TransientWriteError(`dead-letter write failed: ${(error as Error).message}`, { cause: error }) };
    }
  }
}
