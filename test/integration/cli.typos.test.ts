import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 22.8: each typo gets one line that names the value and the fix, never a silent success.
describe('typos are caught, in one line that names the value', () => {
  const dir = tempDir('typos');
  const database = join(dir, 'warehouse.duckdb');
  before(async () => {
    const setup = await runCli(['setup', '--engine', 'duckdb', '--no-pubsub', '--database', database]);
    assert.equal(setup.code, 0, setup.stderr);
  });

  const cases: [string, () => string[], number, RegExp][] = [
    [
      '--out pubsubb',
      () => ['generate', '--count', '1', '--out', 'pubsubb'],
      2,
      /--out pubsubb is not pubsub, stdout or -: for a file in this directory write \.\/pubsubb/,
    ],
    ['two statements', () => ['query', 'SELECT 1; SELECT 2', '--database', database], 2, /query runs one statement, got 2/],
    ['an empty statement', () => ['query', '', '--database', database], 2, /query needs a SQL statement/],
    ['a SQL error exits 1', () => ['query', 'SELEC 1', '--database', database], 1, /syntax error/i],
    ['an unknown table exits 1', () => ['query', 'SELECT * FROM nope', '--database', database], 1, /nope/],
    ['--count -5', () => ['generate', '--count', '-5'], 2, /--count must be a positive whole number, got -5/],
    ['--count abc', () => ['generate', '--count', 'abc'], 2, /--count must be a positive whole number, got abc/],
    ['--count=abc', () => ['generate', '--count=abc'], 2, /got abc/],
    [
      '--from without --to',
      () => ['batch', 'run', '--from', '2026-11-01', '--database', database],
      2,
      /--from needs --to: .*--from 2026-11-01 --to 2026-11-30/,
    ],
    ['--to without --from', () => ['batch', 'run', '--to', '2026-11-01', '--database', database], 2, /--to needs --from/],
    ['an unknown command with --help', () => ['dashbord', '--help'], 2, /Unknown command: dashbord; the commands are up, generate/],
  ];
  for (const [name, args, code, message] of cases) {
    test(name, async () => {
      const result = await runCli(args());
      assert.equal(result.code, code, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, message);
      assert.equal(result.stdout.length, 0, 'no help or output');
    });
  }

  test('--out pubsubb writes no file', async () => {
    await runCli(['generate', '--count', '1', '--out', 'pubsubb']);
    assert.equal(existsSync('pubsubb'), false);
  });

  test('a malformed dims CSV is named in the error', async () => {
    const dims = join(dir, 'dims');
    assert.equal((await runCli(['snapshot', '--dims', dims, '--customers', '20', '--products', '20', '--sellers', '5'])).code, 0);
    const file = join(dims, 'olist_sellers_dataset.csv');
    await writeFile(file, 'seller_id,seller_zip_code_prefix,seller_city,seller_state\n"a,1,x\n');
    const result = await runCli(['batch', 'run', '--database', database, '--dims', dims, '--reports', join(dir, 'reports'), '--date', '2026-11-01']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^orderflow: .*olist_sellers_dataset\.csv: /m);
  });

  test('a bad value from the environment names it too', async () => {
    const result = await runCli(['generate', '--count', '1'], { env: { ORDERFLOW_RATE: 'fast' } });
    assert.match(result.stderr, /^orderflow: --rate must be a positive number, got fast/);
  });
});
