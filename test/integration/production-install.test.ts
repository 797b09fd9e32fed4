import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StackResult } from '../../local/stack/up.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

// What the image holds, built from these sources: the compiled CLI and the production dependencies
// alone (no tsx, esbuild or TypeScript). npm's cache, filled by the `npm ci` before the tests, serves it.
test('a production install (npm ci --omit=dev) of the build runs --help, workers on the embedded emulator and the WAP job', { timeout: 600_000 }, async () => {
  const app = await mkdtemp(join(tmpdir(), 'orderflow-prod-'));
  await run(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/build.ts'), '--out-dir', join(app, 'dist')], { cwd: REPO });
  for (const entry of ['package.json', 'package-lock.json', 'bin']) cpSync(join(REPO, entry), join(app, entry), { recursive: true });
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app });
  for (const tool of ['tsx', 'esbuild', 'typescript']) assert.ok(!existsSync(join(app, 'node_modules', tool)), `${tool} is installed`);
  assert.ok(existsSync(join(app, 'dist/schemas/order-event.v1.schema.json')) && existsSync(join(app, 'dist/batch/models/marts/fact_sales.sql')));
  // The dashboard serves its page as files.
  for (const file of ['index.html', 'app.js']) assert.ok(existsSync(join(app, 'dist/dashboard/page', file)), `dist/dashboard/page/${file} is missing`);

  const orderflow = (args: string[]) =>
    run(process.execPath, [join(app, 'bin/orderflow.js'), ...args], { cwd: app, env: { ...process.env, NODE_ENV: 'production' } });
  const help = await orderflow(['--help']);
  assert.match(help.stdout, /orderflow worker/);

  // `up` runs the embedded emulator, `setup`, two `worker` processes (their DuckDB writer thread is a
  // compiled module), the generator and `batch run` on DuckDB, each a child process of the compiled CLI.
  const dataDir = join(app, 'data');
  await orderflow(['up', '--data-dir', dataDir, '--rate', '100', '--duration', '3']);
  const summary = JSON.parse(await readFile(join(dataDir, 'up-summary.json'), 'utf8')) as StackResult;
  assert.equal(summary.generator.published, 300);
  assert.equal(summary.warehouse.ingestedEvents + summary.warehouse.deadLetteredMessages + summary.generator.byKind.duplicate, 300);
  assert.equal(summary.batch?.summary?.status, 'published');
  assert.ok((summary.warehouse.mart.fact_sales ?? 0) > 0, 'mart.fact_sales is empty');
  assert.deepEqual((await readdir(join(dataDir, 'logs'))).sort(), ['batch.log', 'setup.log', 'up.log', 'worker-1.log', 'worker-2.log']);
});
