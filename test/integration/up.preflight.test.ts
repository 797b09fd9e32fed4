import assert from 'node:assert/strict';
import { cp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/olist/', import.meta.url));

// Found by a new user: `up --olist` with a wrong folder started the emulator, setup and the workers,
// and only then failed reading the CSV, leaving a warehouse and logs behind.
test('up --olist with a missing folder or file: one line naming what is missing, exit 1, nothing created', { timeout: 60_000 }, async () => {
  const root = tempDir('up-olist-missing');
  const dataDir = join(root, 'data');

  const missing = await runCli(['up', '--olist', join(root, 'missing'), '--data-dir', dataDir]);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /^orderflow: [^\n]*missing[^\n]*olist_orders_dataset\.csv[^\n]*\n$/);
  assert.equal(existsSync(dataDir), false, 'the data directory was created');

  const partial = join(root, 'partial');
  await cp(FIXTURE, partial, { recursive: true });
  await rm(join(partial, 'olist_sellers_dataset.csv'));
  const one = await runCli(['up', '--olist', partial, '--data-dir', dataDir]);
  assert.equal(one.code, 1, one.stderr);
  assert.match(one.stderr, /^orderflow: [^\n]*olist_sellers_dataset\.csv[^\n]*\n$/);
  assert.doesNotMatch(one.stderr, /olist_orders_dataset/, 'names only the missing file');
  assert.equal(existsSync(dataDir), false, 'the data directory was created');
});

// Found by a new user: a failing child's own reason was only in its log; up said "see its log".
test("up with an unreachable Pub/Sub: setup's own reason in up's one line, with its log's path", { timeout: 120_000 }, async () => {
  const dataDir = tempDir('up-setup-fails');
  const result = await runCli(['up', '--data-dir', dataDir], { env: { PUBSUB_EMULATOR_HOST: '127.0.0.1:1' } });
  assert.equal(result.code, 1, result.stderr);
  const logFile = join(dataDir, 'logs', 'setup.log');
  const reason = (await readFile(logFile, 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('orderflow: '))
    .at(-1)
    ?.slice('orderflow: '.length);
  assert.ok(reason, 'setup.log has no `orderflow:` line');
  assert.equal(result.stderr, `orderflow: setup failed: ${reason} (log: ${logFile})\n`);
  assert.deepEqual((await readdir(dataDir)).sort(), ['logs'], 'up.lock and the live status are removed');
});
