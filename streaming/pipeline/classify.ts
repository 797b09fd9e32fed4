import { validateMessage } from '../../common/contract/validate.ts';
import type { ReasonCode } from '../../common/contract/reasons.ts';
import type { RawRows } from '../../common/warehouse/rows.ts';
import type { InboundMessage } from './message.ts';
import { deadLetter, split } from './split.ts';

/** A message turned into the rows it must write: its tables' rows, or its dead-letter row. */
export type Classified =
  | { kind: 'valid'; eventId: string; rows: RawRows }
  | { kind: 'invalid'; errorCode: ReasonCode; eventId?: string; rows: RawRows };

/** Decode -> validate -> split (or dead-letter): pure, never throws. */
export function classify(message: InboundMessage, receivedAt: Date): Classified {
  const verdict = validateMessage(message.data);
  if (verdict.valid) return { kind: 'valid', eventId: verdict.event.event_id, rows: split(verdict.event, verdict.flags, message, receivedAt) };
  return {
    kind: 'invalid',
    errorCode: verdict.errorCode,
    ...(verdict.eventId === undefined ? {} : { eventId: verdict.eventId }),
    rows: { orders: [], order_items: [], order_payments: [], dead_letter: [deadLetter(message, verdict.errorCode, verdict.errors, receivedAt, verdict.eventId)] },
  };
}

/** Rows in a RawRows, over all tables. */
export const rowCount = (rows: RawRows) => rows.orders.length + rows.order_items.length + rows.order_payments.length + rows.dead_letter.length;
