import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { REASON_CODES, type ReasonCode, type Violation } from '../../common/contract/reasons.ts';
import { microsFromDate, type Row } from '../rows.ts';
import type { InboundMessage } from './message.ts';

/**
 * Why a message is dead-lettered: a contract reason, the warehouse refusing its rows for good, a
 * stage of the worker throwing on it (`stage:validate`, `stage:split`), or Pub/Sub giving up on it.
 */
export type DeadLetterCode = ReasonCode | (typeof WORKER_CODES)[number];
const WORKER_CODES = ['write_rejected', 'delivery_exhausted', 'stage:validate', 'stage:split'] as const;
/** Every error_code a dead-letter row can carry. */
export const DEAD_LETTER_CODES: readonly DeadLetterCode[] = [...REASON_CODES, ...WORKER_CODES];
export type DeadLetterReason = Omit<Violation, 'code'> & { code: DeadLetterCode };

/**
 * How much of a message's data its dead-letter row holds (bytes). Above it the row keeps the first
 * bytes, the full size and a sha256, and the whole data goes to the object store (payload_uri):
 * Pub/Sub messages reach 10 MB, and one such row (as base64, ~13.4 MB) could never be appended.
 */
export const DEAD_LETTER_PAYLOAD_CAP = 1 << 20;
/** Reasons kept on one row; a message with more gets the first ones and a last line counting the rest. */
export const DEAD_LETTER_REASONS_CAP = 100;

/**
 * The dead-letter row of a rejected message: its payload exactly as received (truncated above
 * `payloadCap` bytes, see DEAD_LETTER_PAYLOAD_CAP; payload_uri is set once the whole is stored),
 * attributes and every reason.
 */
export function deadLetter(
  message: InboundMessage,
  errorCode: DeadLetterCode,
  errors: DeadLetterReason[],
  receivedAt: Date,
  eventId?: string,
  payloadCap = DEAD_LETTER_PAYLOAD_CAP,
): Row {
  const { data } = message;
  const utf8 = isUtf8(data);
  const truncated = data.length > payloadCap;
  const kept = truncated ? data.subarray(0, utf8 ? utf8Boundary(data, payloadCap) : payloadCap) : data;
  const reasons =
    errors.length > DEAD_LETTER_REASONS_CAP
      ? [...errors.slice(0, DEAD_LETTER_REASONS_CAP), { code: errorCode, path: '', message: `and ${errors.length - DEAD_LETTER_REASONS_CAP} more violations` }]
      : errors;
  return {
    message_id: message.id,
    // A Date that holds no time (never from Pub/Sub) must not stop the dead letter being written.
    publish_time: Number.isNaN(message.publishTime.getTime()) ? null : microsFromDate(message.publishTime),
    attributes: Object.entries(message.attributes).map(([key, value]) => ({ key, value })),
    ordering_key: message.orderingKey || null,
    payload: utf8 ? kept.toString('utf8') : null,
    payload_base64: utf8 ? null : kept.toString('base64'),
    payload_bytes: data.length,
    payload_sha256: createHash('sha256').update(data).digest('hex'),
    payload_truncated: truncated,
    payload_uri: null,
    event_id: eventId ?? null,
    error_code: errorCode,
    errors: reasons.map(({ code, path, message: text }) => ({ code, path, message: text })),
    delivery_attempt: message.deliveryAttempt ?? null,
    received_at: microsFromDate(receivedAt),
    // Set on delivery_exhausted rows only (streaming/dead-letters/exhausted.ts).
    source_subscription: null,
    source_delivery_count: null,
    source_publish_time: null,
  };
}

/** The largest length <= `cap` that ends on a UTF-8 character boundary of `data`. */
function utf8Boundary(data: Buffer, cap: number): number {
  let end = cap;
  while (end > 0 && (data[end]! & 0xc0) === 0x80) end -= 1;
  return end;
}

/** The object-store name of a dead letter's whole payload: under its message id. */
export const payloadObjectName = (messageId: string) => `dead-letters/${messageId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
