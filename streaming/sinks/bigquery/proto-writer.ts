/**
 * Protobuf wire encoding into one reused buffer, for the generated row encoders (row-encoding.ts):
 * varints, strings, bools, int64s and length-delimited nested messages, with nothing allocated per
 * value. protobufjs's Writer queues an operation object for every tag and value and copies them
 * into a buffer of its own at the end; rows are written here in place and copied out once.
 * Wire format: https://protobuf.dev/programming-guides/encoding/ (the bytes equal protobufjs's for
 * the same values, test/unit/bigquery-row-encoding.test.ts).
 */
export class ProtoWriter {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private at = 0;

  /** The bytes written since the last finish() or clear(), as a buffer of their own; starts the next message. */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafe(this.at);
    this.buffer.copy(out, 0, 0, this.at);
    this.at = 0;
    return out;
  }

  /** Drops what was written since the last finish() (a refused row). */
  clear(): void {
    this.at = 0;
  }

  /** An unsigned 32-bit varint (tags, lengths). */
  uint32(value: number): void {
    this.room(5);
    const buffer = this.buffer;
    while (value > 127) {
      buffer[this.at++] = (value & 127) | 128;
      value >>>= 7;
    }
    buffer[this.at++] = value;
  }

  bool(value: boolean): void {
    this.room(1);
    this.buffer[this.at++] = value ? 1 : 0;
  }

  /** A UTF-8 string, length first. */
  string(value: string): void {
    const length = value.length;
    // Up to 3 bytes a UTF-16 unit: below 43 units the length is one byte, so the text goes in place.
    if (length < 43) {
      this.room(1 + 3 * length);
      const buffer = this.buffer;
      const start = this.at + 1;
      let at = start;
      for (let i = 0; i < length; i++) {
        const code = value.charCodeAt(i);
        if (code >= 128) {
          at = start + buffer.write(value, start, 'utf8');
          break;
        }
        buffer[at++] = code;
      }
      buffer[this.at] = at - start;
      this.at = at;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.uint32(bytes);
    this.room(bytes);
    this.at += this.buffer.write(value, this.at, 'utf8');
  }

  /** An int64 varint (two's complement: a negative value takes 10 bytes), exactly; `value` must be an integer in int64's range. */
  int64(value: number | bigint): void {
    // Timestamps in µs are bigints well inside 2^53: one conversion, exact when the result is safe.
    const number = typeof value === 'bigint' ? Number(value) : value;
    if (number >= 0 && number <= Number.MAX_SAFE_INTEGER) {
      if (number < 2 ** 31) return this.uint32(number);
      // ToUint32 takes a safe integer modulo 2^32 exactly.
      const low = number >>> 0;
      return this.varint64(low, (number - low) / 2 ** 32);
    }
    const bits = BigInt.asUintN(64, BigInt(value));
    this.varint64(Number(bits & 0xffffffffn), Number(bits >> 32n));
  }

  /** Starts a length-delimited nested message: pass what it returns to end() once its fields are written. */
  begin(): number {
    this.room(1);
    // One byte kept for the length, the common case; end() makes room when it needs more.
    return this.at++;
  }

  end(start: number): void {
    const length = this.at - start - 1;
    if (length < 128) {
      this.buffer[start] = length;
      return;
    }
    let size = 1;
    for (let rest = length >>> 7; rest > 0; rest >>>= 7) size += 1;
    this.room(size - 1);
    this.buffer.copyWithin(start + size, start + 1, this.at);
    this.at = start;
    this.uint32(length);
    this.at += length;
  }

  private varint64(low: number, high: number): void {
    this.room(10);
    const buffer = this.buffer;
    while (high > 0 || low > 127) {
      buffer[this.at++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.at++] = low;
  }

  /** Grows the buffer (doubling) so `bytes` more fit. */
  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}
