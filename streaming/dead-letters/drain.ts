import type { Logger } from '../../common/logger.ts';
import { deadLetterRows, type Row } from '../rows.ts';
import { TransientWriteError } from '../errors.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import { MicroBatcher, type BatchLimits } from '../pipeline/micro-batcher.ts';
import type { RowSink } from '../sinks/sink.ts';
import { exhaustedRow } from './exhausted.ts';
import type { MessageHandler, Settle } from '../pipeline/message-handler.ts';

export interface DeadLetterDrainOptions {
  sink: RowSink;
  limits: BatchLimits;
  logger: Logger;
  clock?: () => Date;
}

/** Counters of the drain, logged with the worker's. */
export interface DrainCounts {
  received: number;
  written: number;
  nacked: number;
}

/**
 * Drains the dead-letter topic's subscription into raw.dead_letter: every message that arrives
 * there becomes a `delivery_exhausted` row (exhaustedRow), written in micro-batches through the
 * worker's sink, and is acked once that row is durable. A failed write nacks the batch, which the
 * subscription redelivers after its backoff: nothing is acked before it is written, so every
 * message ends in exactly one place. Same handle/process shape as the Pipeline, so the pull
 * source and the push endpoint feed either.
 */
export class DeadLetterDrain implements MessageHandler {
  readonly counts: DrainCounts = { received: 0, written: 0, nacked: 0 };
  private readonly batcher: MicroBatcher<Row, Error | undefined>;
  private readonly clock: () => Date;

  constructor(private readonly options: DeadLetterDrainOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.batcher = new MicroBatcher(options.limits, (rows) => this.write(rows));
  }

  /** Takes one message from the dead-letter subscription; `settle` is called once, with its outcome. */
  handle(message: InboundMessage, settle: Settle): void {
    this.counts.received += 1;
    const row = exhaustedRow(message, this.clock());
    this.batcher.add(row, { rows: 1, bytes: message.data.length }, (error, refused) => {
      const failure = error ?? refused;
      if (failure) {
        this.counts.nacked += 1;
        settle({ kind: 'nack', error: failure });
        return;
      }
      this.counts.written += 1;
      // A message Pub/Sub gave up on is news: one WARNING each (there are few, or something is wrong).
      this.options.logger.warn(
        {
          message_id: row.message_id,
          event_id: row.event_id,
          source_subscription: row.source_subscription,
          source_delivery_count: row.source_delivery_count,
        },
        'delivery exhausted: message written to raw.dead_letter',
      );
      settle({ kind: 'dead-letter', errorCode: 'delivery_exhausted' });
    });
  }

  /** Writes what is buffered and waits for writes in flight. */
  drain(): Promise<void> {
    return this.batcher.flush();
  }

  /** One result per row: undefined once durable, else why it must be retried. Never throws. */
  private async write(rows: Row[]): Promise<(Error | undefined)[]> {
    try {
      const { rejected } = await this.options.sink.write(deadLetterRows(rows));
      const refused = new Map(rejected.map((row) => [row.index, row.reason]));
      for (const [index, reason] of refused) {
        this.options.logger.error(
          { message_id: rows[index]!.message_id, reason },
          'dead-letter row refused by the warehouse; the message stays on the dead-letter subscription',
        );
      }
      return rows.map((_, i) => (refused.has(i) ? new TransientWriteError(`dead-letter row refused: ${refused.get(i)}`) : undefined));
    } catch (error) {
      this.options.logger.error({ err: error, messages: rows.length }, 'dead-letter batch failed; its messages are nacked');
      const failure = error instanceof Error ? error : new TransientWriteError(String(error));
      return rows.map(() => failure);
    }
  }
}
