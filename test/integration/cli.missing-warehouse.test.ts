import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 22.5: only setup (and up) create a warehouse; a mistyped --database fails in one line.
describe('a --database with no warehouse', () => {
  const dir = tempDir('no-warehouse');
  const typo = join(dir, 'datta', 'warehouse.duckdb');
  const missing = new RegExp(`^orderflow: no warehouse at ${typo.replaceAll('.', '\\.')} \\(run orderflow setup`);
  const cases: [string, string[]][] = [
    ['batch run', ['batch', 'run', '--database', typo, '--dims', join(dir, 'dims'), '--reports', join(dir, 'reports')]],
    ['query', ['query', 'SELECT 1', '--database', typo]],
    ['worker', ['worker', '--database', typo, '--port', '0']],
    ['dashboard', ['dashboard', '--database', typo, '--dashboard-port', '0']],
  ];
  for (const [name, args] of cases) {
    test(`${name} exits 1 and creates nothing`, async () => {
      const result = await runCli(args, { env: { PUBSUB_EMULATOR_HOST: '127.0.0.1:9' } });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr.trim().split('\n').at(-1)!, missing);
      assert.equal(existsSync(join(dir, 'datta')), false, 'no directory made');
    });
  }

  test('query opens the file read-only: a write is refused', async () => {
    const database = join(dir, 'warehouse.duckdb');
    assert.equal((await runCli(['setup', '--engine', 'duckdb', '--no-pubsub', '--database', database])).code, 0);
    const result = await runCli(['query', 'CREATE TABLE raw.x (a INT)', '--database', database]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /read-only/i);
  });
});
