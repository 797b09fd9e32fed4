import { lenFieldSize, varintSize, WIRE_LEN, WireError, WireReader, writeLenHeader, writeStringField, writeVarintField } from './wire.ts';

/**
 * A published message as every subscription shares it, still encoded: the client's PubsubMessage
 * bytes as they arrived (a slice of the Publish request, never copied) followed by a stamp with
 * message_id and publish_time. Protobuf lets fields be appended (for singular fields the last one
 * wins, map entries accumulate), so body + stamp is the complete message, copied as is into responses.
 */
export interface StoredMessage {
  readonly id: string;
  readonly body: Buffer;
  readonly stamp: Buffer;
  readonly publishTimeMs: number;
  /** body + stamp length: the encoded message's size. */
  readonly size: number;
  /** Subscriptions holding it (the broker's memory accounting). */
  refs: number;
}

/** The complete encoded PubsubMessage. */
export function messageBytes(message: StoredMessage): Buffer {
  return Buffer.concat([message.body, message.stamp], message.size);
}

// PubsubMessage field numbers (google/pubsub/v1/pubsub.proto).
const DATA = 1;
const ATTRIBUTES = 2;
const MESSAGE_ID = 3;
const PUBLISH_TIME = 4;

/**
 * Ids are decimal and increasing like the service's, and unique across emulator processes: they
 * count up by one from the wall-clock time this module loaded, in microseconds since the epoch
 * (16 digits; a Number holds them exactly until the year 2255), shared by every emulator in the
 * process. Numbering from 1 made every run reuse the ids of the last, which collide in a
 * warehouse fed by several runs (dead letters are keyed by message_id). A process started later
 * begins above every id an earlier one gave out unless that one averaged more than a message per
 * microsecond since it started (about ten times the emulator's throughput) or the clock was set back.
 */
let lastId = Math.floor((performance.timeOrigin + performance.now()) * 1000) - 1;

function nextMessageId(): string {
  return String(++lastId);
}

/** True when the client sent neither data nor attributes, which the real service rejects. */
export function isEmptyMessage(raw: Buffer): boolean {
  const reader = new WireReader(raw);
  while (!reader.done()) {
    const [field, wireType] = reader.tag();
    if (wireType === WIRE_LEN && (field === DATA || field === ATTRIBUTES)) {
      const [start, end] = reader.lenSpan();
      if (field === ATTRIBUTES || end > start) return false;
    } else reader.skip(wireType);
  }
  return true;
}

/**
 * Stamps the client's encoded PubsubMessages with ids and the publish time, and optionally extra
 * attributes (dead-lettering). The stamps of one request share one small allocation.
 */
export function stampMessages(bodies: readonly Buffer[], publishTimeMs: number, extraAttributes?: Record<string, string>): StoredMessage[] {
  const seconds = Math.floor(publishTimeMs / 1000);
  const nanos = (publishTimeMs % 1000) * 1_000_000;
  // Both timestamp fields are always written: an embedded message merges, so a zero left out
  // would let an earlier publish_time's value show through.
  const timestampSize = 1 + varintSize(seconds) + 1 + varintSize(nanos);
  const attributeEntries = extraAttributes ? Object.entries(extraAttributes).map(([k, v]) => encodeMapEntry(k, v)) : [];
  const attributesSize = attributeEntries.reduce((sum, entry) => sum + lenFieldSize(entry.length), 0);
  const ids = bodies.map(() => nextMessageId());
  // Ids are digits: their length is their byte length.
  const stampSize = (id: string) => attributesSize + lenFieldSize(id.length) + lenFieldSize(timestampSize);
  const slab = Buffer.allocUnsafe(ids.reduce((sum, id) => sum + stampSize(id), 0));
  const stored: StoredMessage[] = [];
  let pos = 0;
  for (let i = 0; i < bodies.length; i++) {
    const start = pos;
    const id = ids[i] as string;
    const body = bodies[i] as Buffer;
    for (const entry of attributeEntries) {
      pos = writeLenHeader(slab, pos, ATTRIBUTES, entry.length);
      pos += entry.copy(slab, pos);
    }
    pos = writeStringField(slab, pos, MESSAGE_ID, id, id.length);
    pos = writeLenHeader(slab, pos, PUBLISH_TIME, timestampSize);
    pos = writeVarintField(slab, pos, 1, seconds);
    pos = writeVarintField(slab, pos, 2, nanos);
    if (pos - start !== stampSize(id)) throw new WireError('stamp size mismatch');
    stored.push({ id, body, stamp: slab.subarray(start, pos), publishTimeMs, size: body.length + pos - start, refs: 0 });
  }
  return stored;
}

function encodeMapEntry(key: string, value: string): Buffer {
  const keyBytes = Buffer.byteLength(key);
  const valueBytes = Buffer.byteLength(value);
  const entry = Buffer.allocUnsafe(lenFieldSize(keyBytes) + lenFieldSize(valueBytes));
  writeStringField(entry, writeStringField(entry, 0, 1, key, keyBytes), 2, value, valueBytes);
  return entry;
}

const ORDERING_KEY = 5;

/** What push delivery and filters read of a message: data, attributes, ordering key. */
export interface MessageFields {
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string;
}

/**
 * Reads data, attributes and ordering_key from an encoded PubsubMessage (the client's bytes; a
 * later value of a singular field wins, map entries accumulate, as protobuf merges).
 */
export function readMessageFields(body: Buffer): MessageFields {
  const fields: MessageFields = { data: EMPTY, attributes: {}, orderingKey: '' };
  const reader = new WireReader(body);
  while (!reader.done()) {
    const [field, wireType] = reader.tag();
    if (wireType !== WIRE_LEN || (field !== DATA && field !== ATTRIBUTES && field !== ORDERING_KEY)) {
      reader.skip(wireType);
      continue;
    }
    const [start, end] = reader.lenSpan();
    if (field === DATA) fields.data = body.subarray(start, end);
    else if (field === ORDERING_KEY) fields.orderingKey = body.toString('utf8', start, end);
    else {
      const entry = new WireReader(body, start, end);
      let key = '';
      let value = '';
      while (!entry.done()) {
        const [entryField, entryType] = entry.tag();
        if (entryType !== WIRE_LEN) {
          entry.skip(entryType);
          continue;
        }
        const [s, e] = entry.lenSpan();
        if (entryField === 1) key = body.toString('utf8', s, e);
        else if (entryField === 2) value = body.toString('utf8', s, e);
      }
      fields.attributes[key] = value;
    }
  }
  return fields;
}

const EMPTY = Buffer.alloc(0);
