import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { byteLines } from '../../common/ndjson.ts';

const collect = async (chunks: Buffer[], max?: number) => {
  const out = [];
  for await (const line of byteLines(Readable.from(chunks), max)) out.push(line);
  return out;
};

// Issue 22.7: one 50 MB line took ~30 s and 424 MB: every chunk re-copied the line so far.
describe('validate: linear reading, a maximum line size, --strict', () => {
  test('a line spread over many chunks is joined once, not once per chunk', async () => {
    const chunks = Array.from({ length: 2000 }, () => Buffer.from('x'.repeat(64)));
    chunks.push(Buffer.from('\n{"a":1}\n'));
    const concat = Buffer.concat;
    let calls = 0;
    Buffer.concat = ((list: readonly Uint8Array[], length?: number) => {
      calls += 1;
      return concat(list, length);
    }) as typeof Buffer.concat;
    let lines;
    try {
      lines = await collect(chunks);
    } finally {
      Buffer.concat = concat;
    }
    assert.equal(lines.length, 2);
    assert.equal((lines[0] as Buffer).length, 2000 * 64);
    assert.equal((lines[1] as Buffer).toString(), '{"a":1}');
    assert.ok(calls <= 2, `Buffer.concat called ${calls} times`);
  });

  test('a line over the maximum is reported by its length, and the next lines still read', async () => {
    const lines = await collect(
      [Buffer.from('{"a":1}\n'), Buffer.from('y'.repeat(700)), Buffer.from('y'.repeat(700)), Buffer.from('\r\n[1]\n'), Buffer.from('z'.repeat(2000))],
      1000,
    );
    assert.deepEqual(
      lines.map((l) => (Buffer.isBuffer(l) ? l.toString() : l)),
      ['{"a":1}', { oversize: true, bytes: 1401 }, '[1]', { oversize: true, bytes: 2000 }],
    );
  });
});
