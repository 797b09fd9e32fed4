import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.ts';

test('an unknown flag prints one clear line and exits 2', async () => {
  const result = await runCli(['up', '--no-such-flag']);
  assert.equal(result.code, 2);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^orderflow: Unknown argument/);
});

test('no command prints one line and exits 2', async () => {
  const result = await runCli([]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /name a command/);
});
