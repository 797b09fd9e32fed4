import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StackResult } from '../../local/stack/up.ts';
import { SNAPSHOT_FILES } from '../../common/dims-files.ts';
import { runCli } from '../helpers/cli.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/olist/', import.meta.url));

test("orderflow up --olist runs import -> workers -> batch over the folder's whole history, dims from the folder", { timeout: 240_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'orderflow-up-olist-'));
  const result = await runCli(['up', '--olist', FIXTURE, '--data-dir', dataDir]);
  const stdout = result.stdout.toString('utf8');
  assert.equal(result.code, 0, `${stdout}\n${result.stderr}`);
  const summary = JSON.parse(await readFile(join(dataDir, 'up-summary.json'), 'utf8')) as StackResult;
  // 117 orders: 117 order_created + one update per stage timestamp in the orders file.
  assert.deepEqual(summary.generator.byKind, { created: 117, updated: 337, duplicate: 0, invalid: 0 });
  assert.equal(summary.generator.published, 454);
  assert.equal(summary.generator.failed, 0);
  // Every imported event is in exactly one place (all ingested once the revised contract is merged).
  assert.equal(summary.warehouse.ingestedEvents + summary.warehouse.deadLetteredMessages, 454);
  assert.equal(summary.batch?.summary?.status, 'published', stdout);
  const dates = summary.batch!.summary!.dates;
  // up asks for the day before the first purchase to the day after the last; the run builds the
  // purchase dates in that range that have orders (São Paulo dates).
  assert.equal(dates[0], '2017-10-01', 'from the first purchase date');
  assert.equal(dates.at(-1), '2018-02-23', 'to the last');
  assert.deepEqual(
    (await readdir(join(dataDir, 'dims'))).sort(),
    Object.values(SNAPSHOT_FILES)
      .map((f) => f.file)
      .sort(),
  );
  assert.match(stdout, /import: 117 orders, 454 events/);
  assert.match(stdout, /skipped 1 orphan items, 1 orphan payments/);
});
