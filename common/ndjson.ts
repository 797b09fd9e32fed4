import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { OperationalError } from './errors.ts';

/**
 * Lines of a byte stream, as raw bytes: decoding to strings first would turn invalid UTF-8 into
 * U+FFFD and hide exactly the messages the validator must flag as not_utf8.
 */
export async function* byteLines(input: Readable): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let buffer = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let newline = buffer.indexOf(0x0a);
    while (newline !== -1) {
      yield stripCr(buffer.subarray(0, newline));
      buffer = buffer.subarray(newline + 1);
      newline = buffer.indexOf(0x0a);
    }
    rest = Buffer.from(buffer);
  }
  if (rest.length) yield stripCr(rest);
}

const stripCr = (line: Buffer) => (line.length && line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line);

/** `-` is stdin; anything else a file, with a one-line error when it cannot be read. */
export async function openInput(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
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
