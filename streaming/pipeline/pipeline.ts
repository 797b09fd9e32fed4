import type { Logger } from '../../common/logger.ts';
import type { ObjectStore } from '../../common/object-store.ts';
import { RAW_TABLE_NAMES } from '../../common/table-schemas.ts';
import { deadLetterRows, emptyRawRows, type RawRows, type Row } from '../rows.ts';
import { DrainingError, TransientWriteError } from '../errors.ts';
import { WriteRefusedError, type RawTable, type RejectedRow, type RowSink, type WriteResult } from '../sinks/sink.ts';
import { classify, rowCount, type Classified, type Stages } from './classify.ts';
import type { InboundMessage } from './message.ts';
import { MicroBatcher, type BatchLimits } from './micro-batcher.ts';
import { acks, decide, type Outcome, type WriteStatus } from './outcome.ts';
import type { ProcessedSpy } from './processed-spy.ts';
import { RecentIds } from './recent-ids.ts';
import { DEAD_LETTER_PAYLOAD_CAP, deadLetter, payloadObjectName, type DeadLetterCode } from './dead-letter.ts';
import type { WorkerStats } from './stats.ts';
import type { MessageHandler, Settle } from './message-handler.ts';

export interface PipelineOptions {
  sink: RowSink;
  limits: BatchLimits;
  /** Event ids remembered for in-process dedupe. */
  dedupeCapacity: number;
  stats: WorkerStats;
  spy?: ProcessedSpy;
  clock?: () => Date;
  /**
   * Where the whole payload of a dead letter too large for its row goes (GCS prefix or local
   * directory), before the row is written. Without one such a message is nacked.
   */
  payloadStore?: ObjectStore;
  /** Replaces validate/split (tests of a stage that throws). */
  stages?: Stages;
  /** Where failed batches and refused messages are reported (one line each). */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/** A message in a micro-batch. */
interface Entry {
  message: InboundMessage;
  kind: Classified['kind'];
  eventId: string | undefined;
  /**
   * Its rows until its batch is sent (then null for a valid message): the message waits for the
   * commit and its ack without them, so they die young rather than being promoted to the old generation.
   */
  rows: RawRows | null;
}

/** A batch on its way to the sink, and where each of its rows came from (owners[table][i]: row i's entry). */
interface Sent {
  written: Promise<WriteResult>;
  owners: Record<RawTable, number[]>;
}

/** Receives a message's outcome once it is decided. */

/**
 * decode -> validate -> split -> dedupe -> micro-batch -> write -> settle, for messages from any
 * source. handle() calls back with the message's outcome once it is decided; the source acks or
 * nacks accordingly. Callbacks all the way from the source to the batcher: every message passes
 * here, and a promise at each step was a good part of what the worker allocated.
 */
export class Pipeline implements MessageHandler {
  private readonly recent: RecentIds;
  /** Event ids whose rows are being written, with the copies that arrived meanwhile and wait for that outcome. */
  private readonly writing = new Map<string, Settle[]>();
  private readonly batcher: MicroBatcher<Entry, WriteStatus>;
  private readonly clock: () => Date;
  private draining = false;

  constructor(private readonly options: PipelineOptions) {
    this.recent = new RecentIds(options.dedupeCapacity);
    this.clock = options.clock ?? (() => new Date());
    this.batcher = new MicroBatcher(options.limits, (entries) => this.write(entries));
  }

  /**
   * Takes one message; `settle` is called exactly once, with its outcome. classify() does not
   * throw by design; should a bug make it, this throws before the message counts as in flight and
   * the source nacks it.
   */
  handle(message: InboundMessage, settle: Settle): void {
    const { stats } = this.options;
    stats.received += 1;
    const classified = this.draining ? undefined : classify(message, this.clock(), this.options.stages);
    stats.inFlight += 1;
    if (!classified) {
      this.settled(message, undefined, settle, { kind: 'nack', error: new DrainingError('the worker is shutting down') });
      return;
    }
    const { kind, eventId, rows } = classified;
    const decided: Settle = (outcome) => this.settled(message, eventId, settle, outcome);
    const entry: Entry = { message, kind, eventId, rows };
    if (classified.kind === 'invalid') {
      stats.invalid += 1;
      const { errorCode } = classified;
      if (rows.dead_letter[0]?.payload_truncated) {
        this.storePayload(rows.dead_letter[0], message).then(
          () => this.enqueue(entry, errorCode, decided),
          (error: Error) => decided({ kind: 'nack', error }),
        );
      } else {
        this.enqueue(entry, errorCode, decided);
      }
    } else {
      stats.valid += 1;
      this.route(entry, classified.eventId, decided);
    }
  }

  /** Puts a truncated dead letter's whole payload in the object store and points its row at it. */
  private async storePayload(row: Row, message: InboundMessage): Promise<void> {
    const store = this.options.payloadStore;
    if (!store) throw new TransientWriteError(`dead letter of ${message.data.length} bytes needs a payload store (--dead-letter-store) for its whole payload`);
    const name = payloadObjectName(message.id);
    await store.put(name, message.data, 'application/octet-stream');
    row.payload_uri = store.describe(name);
  }

  /**
   * Push mode: at most `open` requests can be pending (one a connection) and none is still being
   * read. When that many wait in the micro-batch, it is written without waiting for the batch
   * limits (MicroBatcher.allIn).
   */
  allIn(open: number): void {
    this.batcher.allIn(open);
  }

  /** Stops taking messages (later ones are nacked) and writes everything buffered. */
  async drain(): Promise<void> {
    this.draining = true;
    await this.batcher.flush();
  }

  private settled(message: InboundMessage, eventId: string | undefined, settle: Settle, outcome: Outcome): void {
    const { stats, spy } = this.options;
    stats.inFlight -= 1;
    if (acks(outcome)) stats.acked += 1;
    else stats.nacked += 1;
    if (outcome.kind === 'dead-letter') stats.deadLettered += 1;
    spy?.record({ messageId: message.id, ...(eventId === undefined ? {} : { eventId }), outcome });
    settle(outcome);
  }

  /** A valid message: dropped if its event is known written, else written (once, however many copies arrive together). */
  private route(entry: Entry, eventId: string, settle: Settle): void {
    if (this.recent.has(eventId)) {
      this.duplicate(settle);
      return;
    }
    // A copy arriving while the first is written waits for that outcome; it is written itself only
    // if that write failed.
    const waiting = this.writing.get(eventId);
    if (waiting) {
      waiting.push((earlier) => (acks(earlier) ? this.duplicate(settle) : this.route(entry, eventId, settle)));
      return;
    }
    const copies: Settle[] = [];
    this.writing.set(eventId, copies);
    this.enqueue(entry, undefined, (outcome) => {
      if (outcome.kind === 'ack') this.recent.add(eventId);
      this.writing.delete(eventId);
      settle(outcome);
      for (const copy of copies) copy(outcome);
    });
  }

  private duplicate(settle: Settle): void {
    this.options.stats.duplicatesDropped += 1;
    settle({ kind: 'ack', reason: 'duplicate' });
  }

  /** Adds a message's rows to the micro-batch; `errorCode` is an invalid message's (its rows: the dead-letter row). */
  private enqueue(entry: Entry, errorCode: DeadLetterCode | undefined, settle: Settle): void {
    this.batcher.add(entry, { rows: rowCount(entry.rows!), bytes: entry.message.data.length }, (error, status) => {
      const write: WriteStatus = error ? { status: 'failed', error } : status!;
      settle(decide(errorCode === undefined ? {} : { errorCode }, write));
    });
  }

  /** Writes one micro-batch over all tables; never throws (a failure becomes each entry's status). */
  private async write(entries: Entry[]): Promise<WriteStatus[]> {
    const started = performance.now();
    const statuses = await this.attempt(entries);
    if (statuses.every((s) => s.status !== 'failed')) this.options.stats.recordBatch(performance.now() - started);
    return statuses;
  }

  /**
   * One write of these entries' rows. A batch the engine refuses for good is narrowed down
   * (narrow()); any other failure fails every entry, to be nacked and redelivered.
   */
  private async attempt(entries: Entry[], written: ReadonlySet<RawTable> = new Set()): Promise<WriteStatus[]> {
    const { stats } = this.options;
    let sent: Sent;
    let rejected: RejectedRow[];
    try {
      sent = this.send(entries, written);
      ({ rejected } = await sent.written);
    } catch (error) {
      if (error instanceof WriteRefusedError) return this.narrow(entries, error, new Set([...written, ...error.committed]));
      stats.failedBatches += 1;
      const failure = error instanceof TransientWriteError ? error : new TransientWriteError(`write failed: ${(error as Error).message}`, { cause: error });
      this.options.logger?.warn(
        { messages: entries.length, error: failure.message },
        `write of a batch of ${entries.length} messages failed; nacking them for redelivery`,
      );
      return entries.map(() => ({ status: 'failed', error: failure }));
    }
    const reasons = new Map<number, RejectedRow[]>();
    for (const row of rejected) {
      const owner = sent.owners[row.table][row.index]!;
      reasons.set(owner, [...(reasons.get(owner) ?? []), row]);
    }
    for (const table of RAW_TABLE_NAMES) stats.rows[table] += sent.owners[table].length - rejected.filter((row) => row.table === table).length;
    const statuses: WriteStatus[] = entries.map(() => ({ status: 'durable' }));
    if (reasons.size > 0) await this.deadLetterRejected(entries, reasons, statuses);
    return statuses;
  }

  /**
   * The engine refused a batch for good: bisect it, writing each half again, until the refused
   * messages stand alone; those become write_rejected dead letters (with the engine's message),
   * every other message is written. log2(n) rounds for one bad message in n. `written`: tables
   * whose rows for these entries are already durable (BigQuery appends tables independently), left
   * out of the retries so they are not stored twice.
   */
  private async narrow(entries: Entry[], refusal: WriteRefusedError, written: ReadonlySet<RawTable>): Promise<WriteStatus[]> {
    if (entries.length === 1) return [await this.refused(entries[0]!, refusal)];
    const half = Math.ceil(entries.length / 2);
    const first = await this.attempt(entries.slice(0, half), written);
    const second = await this.attempt(entries.slice(half), written);
    return [...first, ...second];
  }

  /** One message whose rows the engine refuses: its dead-letter row instead (written alone). */
  private async refused(entry: Entry, refusal: WriteRefusedError): Promise<WriteStatus> {
    const { message, eventId } = entry;
    const { stats, logger } = this.options;
    const reason = { code: 'write_rejected' as const, path: '', message: refusal.message };
    let row: Row;
    if (entry.kind === 'valid') {
      row = deadLetter(message, 'write_rejected', [reason], this.clock(), eventId);
    } else {
      // Its dead-letter row itself was refused (say, a text the engine cannot store): the same
      // reasons, the payload as base64 only, and the refusal added.
      const first = entry.rows!.dead_letter[0]!;
      const data = first.payload_truncated ? message.data.subarray(0, DEAD_LETTER_PAYLOAD_CAP) : message.data;
      row = { ...first, payload: null, payload_base64: data.toString('base64'), errors: [...(first.errors as Row[]), reason] } as Row;
    }
    try {
      if (entry.kind === 'valid' && row.payload_truncated) await this.storePayload(row, message);
      const { rejected } = await this.options.sink.write(deadLetterRows([row]));
      if (rejected.length > 0) throw new WriteRefusedError(rejected[0]!.reason);
    } catch (error) {
      logger?.error(
        { message_id: message.id, error: (error as Error).message, refusal: refusal.message },
        'the warehouse refused a message and its dead-letter row; nacking it',
      );
      return { status: 'failed', error: new TransientWriteError(`dead-letter row not written: ${(error as Error).message}`, { cause: error }) };
    }
    stats.rows.dead_letter += 1;
    stats.refused += 1;
    logger?.warn(
      { message_id: message.id, ...(eventId ? { event_id: eventId } : {}), error: refusal.message },
      'the warehouse refused a message for good; dead-lettered it as write_rejected',
    );
    return entry.kind === 'valid' ? { status: 'rejected' } : { status: 'durable' };
  }

  /**
   * Hands the entries' rows to the sink as one batch, taking them from the entries. Not async, so
   * no suspended frame keeps the batch: once the sink has encoded it, nothing here holds the rows
   * of valid messages (an entry written again, in a batch being narrowed down, has them made again
   * from its message). Dead-letter rows are rare and stay: they may point at a stored payload.
   */
  private send(entries: Entry[], written: ReadonlySet<RawTable> = new Set()): Sent {
    const batch = emptyRawRows();
    // owners[table][i] = the entry that produced row i of that table, to map rejections back.
    const owners = Object.fromEntries(RAW_TABLE_NAMES.map((table) => [table, [] as number[]])) as Record<RawTable, number[]>;
    entries.forEach((entry, i) => {
      const rows = entry.rows ?? classify(entry.message, this.clock(), this.options.stages).rows;
      for (const table of RAW_TABLE_NAMES) {
        if (written.has(table)) continue;
        for (const row of rows[table]) {
          batch[table].push(row);
          owners[table].push(i);
        }
      }
      if (entry.kind === 'valid') entry.rows = null;
    });
    return { written: this.options.sink.write(batch), owners };
  }

  /**
   * Messages whose rows the engine refused for good become dead-letter rows (retrying cannot
   * help); a refused dead-letter row, or a failed write of these, leaves the message to Pub/Sub's
   * retries and dead-letter topic.
   */
  private async deadLetterRejected(entries: Entry[], reasons: Map<number, RejectedRow[]>, statuses: WriteStatus[]): Promise<void> {
    const owners = [...reasons.keys()];
    const unrecoverable = owners.filter((i) => entries[i]!.kind === 'invalid');
    for (const i of unrecoverable)
      statuses[i] = { status: 'failed', error: new TransientWriteError(`dead-letter row rejected: ${reasons.get(i)![0]!.reason}`) };
    const recoverable = owners.filter((i) => entries[i]!.kind === 'valid');
    if (recoverable.length === 0) return;
    const rows = recoverable.map((i) => {
      const { message, eventId } = entries[i]!;
      const errors = reasons.get(i)!.map((row) => ({ code: 'write_rejected' as const, path: '', message: `${row.table} row refused: ${row.reason}` }));
      return deadLetter(message, 'write_rejected', errors, this.clock(), eventId);
    });
    try {
      const { rejected } = await this.options.sink.write(deadLetterRows(rows));
      const refused = new Set(rejected.map((row) => row.index));
      recoverable.forEach((owner, k) => {
        statuses[owner] = refused.has(k) ? { status: 'failed', error: new TransientWriteError('dead-letter row rejected') } : { status: 'rejected' };
      });
      this.options.stats.rows.dead_letter += rows.length - refused.size;
    } catch (error) {
      for (const owner of recoverable)
        statuses[owner] = { status: 'failed', error: new TransientWriteError(`dead-letter write failed: ${(error as Error).message}`, { cause: error }) };
    }
  }
}
