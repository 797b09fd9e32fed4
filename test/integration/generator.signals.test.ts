import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { CLI_ARGS } from '../helpers/cli.ts';

test('an unbounded generate stops cleanly on SIGINT: exit 0, complete lines, final counts logged', async () => {
  const child = spawn(process.execPath, [...CLI_ARGS, 'generate', '--seed', '1', '--rate', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').length > 200) resolve();
    });
  });
  child.kill('SIGINT');
  const [code] = await once(child, 'close');
  assert.equal(code, 0, stderr);
  assert.ok(stdout.endsWith('\n'), 'the last line is complete');
  const lines = stdout.trimEnd().split('\n');
  for (const line of lines) JSON.parse(line);
  const finished = stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .find((l) => l.message === 'generator finished');
  assert.ok(finished, stderr);
  assert.equal(finished.interrupted, true);
  assert.equal(finished.published, lines.length);
  assert.equal(finished.severity, 'INFO');
});
