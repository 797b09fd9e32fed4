import type { DeadLetterCode } from './dead-letter.ts';

/**
 * What becomes of one message, decided in one place (decide() below): acked once its rows are
 * durable or it was a duplicate, dead-lettered (its dead-letter row durable, then acked), or
 * nacked so Pub/Sub redelivers it.
 */
export type Outcome = { kind: 'ack'; reason: 'written' | 'duplicate' } | { kind: 'dead-letter'; errorCode: DeadLetterCode } | { kind: 'nack'; error: Error };

/** How the write of one message's rows ended. */
export type WriteStatus =
  | { status: 'durable' }
  | { status: 'failed'; error: Error }
  /** Some rows were refused for good and the message's dead-letter row is durable instead. */
  | { status: 'rejected' };

export function decide(entry: { errorCode?: DeadLetterCode }, write: WriteStatus): Outcome {
  switch (write.status) {
    case 'failed':
      return { kind: 'nack', error: write.error };
    case 'rejected':
      return { kind: 'dead-letter', errorCode: 'write_rejected' };
    case 'durable':
      return entry.errorCode ? { kind: 'dead-letter', errorCode: entry.errorCode } : { kind: 'ack', reason: 'written' };
  }
}

/** Whether the source acks (true) or nacks (false) the message. */
export const acks = (outcome: Outcome) => outcome.kind !== 'nack';
