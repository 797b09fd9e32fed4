import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';

// Issue 22.7, through the CLI: a maximum line size, --strict.
describe('orderflow validate: a maximum line size, --strict', () => {
  test('the CLI gives a too_large verdict with the line number, by default over 10 MB', async () => {
    const input = Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.alloc(10_000_001, 0x78), Buffer.from('\n[1]\n')]);
    const result = await runCli(['validate'], { stdin: input });
    assert.equal(result.code, 0, result.stderr);
    const verdicts = result.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      verdicts.map((v) => [v.line, v.error_code]),
      [
        [1, 'schema'],
        [2, 'too_large'],
        [3, 'not_object'],
      ],
    );
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
