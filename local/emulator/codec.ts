import type { StoredMessage } from './message.ts';
import { lenFieldSize, varintSize, WIRE_LEN, WireReader, writeLenHeader, writeStringField, writeVarintField } from './wire.ts';

/** PublishRequest with its messages left encoded (each a slice of the request, not a copy). */
export interface RawPublishRequest {
  topic: string;
  messages: Buffer[];
}

export function decodePublishRequest(buf: Buffer): RawPublishRequest {
  const reader = new WireReader(buf);
  const request: RawPublishRequest = { topic: '', messages: [] };
  while (!reader.done()) {
    const [field, wireType] = reader.tag();
    if (wireType === WIRE_LEN && (field === 1 || field === 2)) {
      const [start, end] = reader.lenSpan();
      if (field === 1) request.topic = buf.toString('utf8', start, end);
      else request.messages.push(buf.subarray(start, end));
    } else reader.skip(wireType);
  }
  return request;
}

export function encodePublishResponse(response: { messageIds: string[] }): Buffer {
  let size = 0;
  for (const id of response.messageIds) size += lenFieldSize(Buffer.byteLength(id));
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const id of response.messageIds) pos = writeStringField(buf, pos, 1, id, Buffer.byteLength(id));
  return buf;
}

/** What a response needs from one delivery. */
export interface OutgoingMessage {
  readonly ackId: string;
  readonly message: StoredMessage;
  readonly attempts: number;
}

/**
 * Encodes `repeated ReceivedMessage received_messages = 1`, the whole body of both PullResponse
 * and a StreamingPullResponse, in one allocation. delivery_attempt is only sent when the
 * subscription has a dead-letter policy, as the real service does.
 */
export function encodeReceivedMessages(deliveries: readonly OutgoingMessage[], withAttempt: boolean): Buffer {
  let size = 0;
  for (const d of deliveries) {
    const inner = receivedSize(d, withAttempt);
    size += lenFieldSize(inner);
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const d of deliveries) {
    pos = writeLenHeader(buf, pos, 1, receivedSize(d, withAttempt));
    pos = writeStringField(buf, pos, 1, d.ackId, d.ackId.length);
    pos = writeLenHeader(buf, pos, 2, d.message.size);
    pos += d.message.body.copy(buf, pos);
    pos += d.message.stamp.copy(buf, pos);
    if (withAttempt) pos = writeVarintField(buf, pos, 3, d.attempts);
  }
  return buf;
}

// Ack ids are ASCII, so their length is their byte length.
function receivedSize(d: OutgoingMessage, withAttempt: boolean): number {
  return lenFieldSize(d.ackId.length) + lenFieldSize(d.message.size) + (withAttempt ? 1 + varintSize(d.attempts) : 0);
}
