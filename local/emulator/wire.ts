// Minimal protobuf wire-format helpers for the hot paths (Publish in, Pull/StreamingPull out).
// Messages stay encoded end to end: the emulator never turns a payload into an object and back.

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

export function writeVarint(buf: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/** Size of a length-delimited field (tag + length + payload) whose tag fits in one byte. */
export function lenFieldSize(payloadLength: number): number {
  return 1 + varintSize(payloadLength) + payloadLength;
}

/** Writes the tag and length of a length-delimited field; the caller writes the payload. */
export function writeLenHeader(buf: Buffer, pos: number, field: number, payloadLength: number): number {
  buf[pos++] = (field << 3) | WIRE_LEN;
  return writeVarint(buf, pos, payloadLength);
}

export function writeStringField(buf: Buffer, pos: number, field: number, value: string, byteLength: number): number {
  pos = writeLenHeader(buf, pos, field, byteLength);
  return pos + buf.write(value, pos, byteLength, 'utf8');
}

export function writeVarintField(buf: Buffer, pos: number, field: number, value: number): number {
  buf[pos++] = (field << 3) | WIRE_VARINT;
  return writeVarint(buf, pos, value);
}

/** Sequential reader over one encoded message. */
export class WireReader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (;;) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const byte = this.buf[this.pos++] as number;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
      if (multiplier > 2 ** 63) throw new WireError('varint too long');
    }
  }

  /** Returns [field, wireType]. */
  tag(): [number, number] {
    const tag = this.varint();
    return [Math.floor(tag / 8), tag & 7];
  }

  /** Returns the [start, end) of a length-delimited payload and moves past it. */
  lenSpan(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new WireError('truncated field');
    this.pos = end;
    return [start, end];
  }

  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_LEN) this.lenSpan();
    else if (wireType === WIRE_I64) this.pos += 8;
    else if (wireType === WIRE_I32) this.pos += 4;
    else throw new WireError(`unsupported wire type ${wireType}`);
    if (this.pos > this.end) throw new WireError('truncated field');
  }
}

export class WireError extends Error {
  override name = 'WireError';
}
