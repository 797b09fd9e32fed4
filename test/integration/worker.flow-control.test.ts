import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.ts';

// Issue 15, handed case 5: with --max-bytes 2000 a 6 KB message was never handed over (the client
// holds back what exceeds the window), and everything behind it stalled. Now refused at start-up.
test("worker --max-bytes below Pub/Sub's largest message is refused with one line and a non-zero exit", async () => {
  const result = await runCli(['worker', '--max-bytes', '2000']);
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /--max-bytes must be at least 10000000 .*got 2000/);
});

test('the same bound applies to ORDERFLOW_MAX_BYTES', async () => {
  const result = await runCli(['worker'], { env: { ORDERFLOW_MAX_BYTES: '9999999' } });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr.trim(), /^[^\n]*--max-bytes must be at least 10000000[^\n]*$/);
});
