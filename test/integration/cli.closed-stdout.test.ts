import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, runCliClosingStdout } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 22.3: `... | head -2` ends the command quietly, as Unix filters do, never with a stack trace.
describe('a reader that closes stdout early (| head)', () => {
  const quiet = (result: { code: number | null; stderr: string }) => {
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE|\n\s+at /);
  };

  test('generate', async () => {
    quiet(await runCliClosingStdout(['generate', '--count', '200000']));
  });

  test('validate (the README example)', async () => {
    const events = (await runCli(['generate', '--count', '20000', '--invalid-rate', '0.1'])).stdout;
    quiet(await runCliClosingStdout(['validate', '-'], { stdin: events }));
  });

  test('query', async () => {
    const database = join(tempDir('epipe'), 'warehouse.duckdb');
    assert.equal((await runCli(['setup', '--engine', 'duckdb', '--no-pubsub', '--database', database])).code, 0);
    quiet(await runCliClosingStdout(['query', 'SELECT * FROM range(300000)', '--format', 'csv', '--database', database]));
  });
});
