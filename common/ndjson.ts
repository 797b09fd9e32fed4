import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { OperationalError } from './errors.ts';

/** A line longer than the limit: only its length is kept, never its bytes. */
export interface OversizeLine {
  oversize: true;
  /** The line's length in bytes (without its newline). */
  bytes: number;
}

/**
 * Lines of a byte stream, as raw bytes: decoding to strings first would turn invalid UTF-8 into
 * U+FFFD and hide exactly the messages the validator must flag as not_utf8. Linear in the input:
 * a line's chunks are kept in a list and joined once, and only new bytes are searched for the
 * newline. A line past `maxLineBytes` is skipped to its end and reported by its length.
 */
export async function* byteLines(input: Readable, maxLineBytes = Number.POSITIVE_INFINITY): AsyncGenerator<Buffer | OversizeLine> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const tail = chunk.subarray(start, newline);
      length += tail.length;
      if (length > maxLineBytes) yield { oversize: true, bytes: length };
      else yield stripCr(parts.length ? Buffer.concat([...parts, tail], length) : tail);
      parts = [];
      length = 0;
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    length += rest.length;
    // Past the limit the bytes are counted, not kept: memory stays bounded by the limit.
    if (length <= maxLineBytes) parts.push(rest);
    else parts = [];
  }
  if (length > maxLineBytes) yield { oversize: true, bytes: length };
  else if (length) yield stripCr(Buffer.concat(parts, length));
}

const stripCr = (line: Buffer) => (line.length && line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line);

/** `-` is stdin; anything else a file, with a one-line error when it cannot be read. */
export async function openInput(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  // A directory opens; only its first read fails, with an EISDIR that names no path.
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw new OperationalError(`cannot read ${path}: a directory, not a file`);
  const stream = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) => reject(new OperationalError(`cannot read ${path}: ${error.code ?? error.message}`)));
  });
  return stream;
}

/** Write with backpressure, so a slow consumer (a pipe, a disk) bounds memory. */
export async function writeAll(output: NodeJS.WritableStream, chunk: string | Buffer): Promise<void> {
  if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', resolve));
}
