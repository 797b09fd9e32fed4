import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../local/emulator/index.ts';
import { runCli } from '../helpers/cli.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/olist/', import.meta.url));

describe('orderflow import olist (CLI)', () => {
  test('NDJSON on stdout, the summary and the orphans on stderr', async () => {
    const result = await runCli(['import', 'olist', FIXTURE, '--out', 'stdout']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.toString('utf8').trim().split('\n');
    assert.equal(lines.length, 454);
    const finished = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { message: string; published?: number })
      .find((line) => line.message === 'import finished');
    assert.equal(finished?.published, 454);
    assert.match(result.stderr, /items or payments whose order is not in the orders file were skipped/);
  });

  test('an NDJSON file appears under its name only once the import has succeeded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olist-file-'));
    const out = join(dir, 'events.ndjson');
    const result = await runCli(['import', 'olist', FIXTURE, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 454);
    assert.deepEqual(readdirSync(dir), ['events.ndjson']);
  });

  test('a folder without the files: one line, exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olist-empty-'));
    const result = await runCli(['import', 'olist', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^orderflow: cannot read .*olist_order_items_dataset\.csv: ENOENT\n$/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a file missing a column: one line naming it, exit 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olist-col-'));
    await cp(FIXTURE, dir, { recursive: true });
    const payments = join(dir, 'olist_order_payments_dataset.csv');
    await writeFile(payments, (await readFile(payments, 'utf8')).replace('"payment_installments",', '"installments",'));
    const out = join(dir, 'events.ndjson');
    const result = await runCli(['import', 'olist', dir, '--out', out]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^orderflow: .*olist_order_payments_dataset\.csv: missing column payment_installments/m);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.ndjson') || name.endsWith('.partial')),
      [],
      'no partial NDJSON file left',
    );
    // A file already at --out is the user's: a failed import leaves it as it was.
    await writeFile(out, 'keep\n');
    assert.equal((await runCli(['import', 'olist', dir, '--out', out])).code, 1);
    assert.equal(await readFile(out, 'utf8'), 'keep\n');
  });

  test('an unknown time zone: one usage line, exit 2', async () => {
    const result = await runCli(['import', 'olist', FIXTURE, '--source-time-zone', 'Mars/Base']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^orderflow: --source-time-zone must be an IANA time zone/);
  });

  // Every command that publishes checks its topic before the first message (replay did not, nor this).
  test('a missing topic: one line before anything is published, exit 1', async () => {
    const emulator = await startEmulator();
    try {
      const result = await runCli(['import', 'olist', FIXTURE, '--out', 'pubsub', '--project', 'olist-cli', '--topic', 'nope'], {
        env: { PUBSUB_EMULATOR_HOST: emulator.address },
      });
      assert.equal(result.code, 1);
      assert.equal(result.stderr.trim(), 'orderflow: topic nope does not exist in project olist-cli (run orderflow setup)');
    } finally {
      await emulator.close();
    }
  });
});
