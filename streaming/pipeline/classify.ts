import { validateMessage } from '../../common/contract/validate.ts';
import { deadLetterRows, type RawRows } from '../rows.ts';
import type { InboundMessage } from './message.ts';
import { deadLetter, type DeadLetterCode } from './dead-letter.ts';
import { split } from './split.ts';

/** A message turned into the rows it must write: its tables' rows, or its dead-letter row. */
export type Classified = { kind: 'valid'; eventId: string; rows: RawRows } | { kind: 'invalid'; errorCode: DeadLetterCode; eventId?: string; rows: RawRows };

const deadLetterOnly = (row: RawRows['dead_letter'][number]): RawRows => deadLetterRows([row]);

/** The stages classify() runs; replaceable so tests can make one throw. */
export interface Stages {
  validate: typeof validateMessage;
  split: typeof split;
}
const STAGES: Stages = { validate: validateMessage, split };

/**
 * Decode -> validate -> split (or dead-letter); never throws. A throw inside a stage (a bug, or an
 * input no test foresaw) dead-letters this message alone as `stage:<name>` with the error's text,
 * rather than failing its batch on every delivery. `receivedAt` stamps dead letters (received_at);
 * valid rows leave ingested_at to the sink, which stamps it as they are written.
 */
export function classify(message: InboundMessage, receivedAt: Date, stages: Stages = STAGES): Classified {
  let verdict: ReturnType<typeof validateMessage>;
  try {
    verdict = stages.validate(message.data);
  } catch (error) {
    return stageFailed(message, 'stage:validate', error, receivedAt);
  }
  if (!verdict.valid) {
    return {
      kind: 'invalid',
      errorCode: verdict.errorCode,
      ...(verdict.eventId === undefined ? {} : { eventId: verdict.eventId }),
      rows: deadLetterOnly(deadLetter(message, verdict.errorCode, verdict.errors, receivedAt, verdict.eventId)),
    };
  }
  try {
    return { kind: 'valid', eventId: verdict.event.event_id, rows: stages.split(verdict.event, verdict.flags, message) };
  } catch (error) {
    return stageFailed(message, 'stage:split', error, receivedAt, verdict.event.event_id);
  }
}

function stageFailed(message: InboundMessage, code: 'stage:validate' | 'stage:split', error: unknown, receivedAt: Date, eventId?: string): Classified {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    kind: 'invalid',
    errorCode: code,
    ...(eventId === undefined ? {} : { eventId }),
    rows: deadLetterOnly(deadLetter(message, code, [{ code, path: '', message: text }], receivedAt, eventId)),
  };
}

/** Rows in a RawRows, over all tables. */
export const rowCount = (rows: RawRows) => rows.orders.length + rows.order_items.length + rows.order_payments.length + rows.dead_letter.length;
