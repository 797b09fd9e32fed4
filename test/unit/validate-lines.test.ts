import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { byteLines } from '../../common/ndjson.ts';
import { runCli } from '../helpers/cli.ts';

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
    const lines = await collect([Buffer.from('{"a":1}\n'), Buffer.from('y'.repeat(700)), Buffer.from('y'.repeat(700)), Buffer.from('\r\n[1]\n'), Buffer.from('z'.repeat(2000))], 1000);
    assert.deepEqual(lines.map((l) => (Buffer.isBuffer(l) ? l.toString() : l)), ['{"a":1}', { oversize: true, bytes: 1401 }, '[1]', { oversize: true, bytes: 2000 }]);
  });

  test('the CLI gives a too_large verdict with the line number, by default over 10 MB', async () => {
    const input = Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.alloc(10_000_001, 0x78), Buffer.from('\n[1]\n')]);
    const result = await runCli(['validate'], { stdin: input });
    assert.equal(result.code, 0, result.stderr);
    const verdicts = result.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(verdicts.map((v) => [v.line, v.error_code]), [[1, 'schema'], [2, 'too_large'], [3, 'not_object']]);
    assert.match(verdicts[1].errors[0].message, /line of 10000001 bytes is over --max-line-bytes 10000000/);
    assert.match(result.stderr, /too_large 1/);
  });

  test('--strict exits 1 when a line is invalid, 0 when all are valid', async () => {
    const events = (await runCli(['generate', '--count', '20', '--seed', '3'])).stdout;
    assert.equal((await runCli(['validate', '--strict'], { stdin: events })).code, 0);
    const withBad = Buffer.concat([events, Buffer.from('not json\n')]);
    assert.equal((await runCli(['validate', '--strict'], { stdin: withBad })).code, 1);
    assert.equal((await runCli(['validate'], { stdin: withBad })).code, 0);
  });
});
