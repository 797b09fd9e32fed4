import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StackResult } from '../../local/stack/up.ts';
import type { Status } from '../../status/status.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { readStackFile } from '../../local/stack/stack-file.ts';
import { countersOf, fetchWorkerStats } from '../../local/stack/worker-stats.ts';
import { CLI_ARGS, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Processes whose command line mentions `marker` (our children carry the data directory in their flags). */
const processesMentioning = (marker: string) =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'));

// Pull: the workers stream-pull. Push: the emulator pushes to them (issue 21.4), same summary.
for (const mode of ['pull', 'push'] as const)
  test(`orderflow up --mode ${mode} runs the whole pipeline and its figures add up`, { timeout: 420_000 }, async () => {
    const dataDir = tempDir('up');
    const result = await runCli([
      'up',
      '--mode',
      mode,
      '--data-dir',
      dataDir,
      '--rate',
      '150',
      '--duration',
      '6',
      '--duplicate-rate',
      '0.05',
      '--invalid-rate',
      '0.05',
      '--update-rate',
      '0.2',
    ]);
    const finished = Date.now();
    const stdout = result.stdout.toString('utf8');
    assert.equal(result.code, 0, `${stdout}\n${result.stderr}`);
    const summary = JSON.parse(await readFile(join(dataDir, 'up-summary.json'), 'utf8')) as StackResult;
    const { generator: g, warehouse: w } = summary;

    assert.equal(g.published, 900);
    assert.equal(g.failed, 0);
    assert.ok(g.byKind.invalid > 0 && g.byKind.duplicate > 0 && g.byKind.updated > 0, JSON.stringify(g.byKind));
    assert.equal(w.ingestedEvents, g.published - g.byKind.invalid - g.byKind.duplicate, 'published - invalid - duplicates = ingested');
    assert.equal(w.deadLetteredMessages, g.byKind.invalid, 'every invalid message is dead-lettered, nothing else');
    assert.ok(Object.keys(w.deadLettered).length >= 5, `a mix of reasons: ${JSON.stringify(w.deadLettered)}`);
    assert.equal(summary.batch?.summary?.status, 'published');
    assert.ok(summary.batch!.checks.length > 0 && summary.batch!.checks.every((c) => c.status !== 'fail'));
    for (const table of ['fact_sales', 'fact_orders', 'agg_daily_sales']) assert.ok((w.mart[table] ?? 0) > 0, `mart.${table} is empty`);
    // Issue 22.10: the replayed history ends by now, lifecycle updates included (it ran hours ahead).
    const latest = await withDuckDBFile(join(dataDir, 'warehouse.duckdb'), async (db) =>
      Number((await db.runAndReadAll('SELECT epoch_ms(max(event_time)) AS t FROM raw.orders')).getRowObjectsJS()[0]!.t),
    );
    assert.ok(latest <= finished, `an event at ${new Date(latest).toISOString()}, after the run`);

    assert.match(stdout, /ingested +\d[\d,]* distinct events \(published - invalid - duplicates = [\d,]+, matches\)/);
    assert.match(stdout, /npx orderflow query/);
    assert.deepEqual((await readdir(join(dataDir, 'logs'))).sort(), ['batch.log', 'setup.log', 'up.log', 'worker-1.log', 'worker-2.log']);
    // Issue 22.11: no lock-waiting markers left beside the warehouse; up.log holds up's own lines.
    assert.deepEqual(
      (await readdir(dataDir)).filter((name) => name.endsWith('.waiting')),
      [],
    );
    assert.match(await readFile(join(dataDir, 'logs', 'up.log'), 'utf8'), /"message":"workers: 2 processes/);
    assert.deepEqual(processesMentioning(dataDir), [], 'a process of the stack is still running');

    // Issue 22.12: after the run, status shows the warehouse's side: dead letters by code, the WAP run.
    const status = await runCli(['status', '--data-dir', dataDir, '--database', join(dataDir, 'warehouse.duckdb'), '--format', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const after = JSON.parse(status.stdout.toString()) as Status;
    assert.deepEqual(after.deadLetters, w.deadLettered);
    assert.deepEqual(
      after.wapRuns?.map((r) => [r.status, r.dates.split(',')]),
      [['published', summary.batch!.summary!.dates]],
    );
    assert.match(after.subscriptionNote ?? '', /no running orderflow up/);
    const workerLog = await readFile(join(dataDir, 'logs', 'worker-1.log'), 'utf8');
    assert.match(workerLog, new RegExp(`"mode":"${mode}"`), `the workers ran in ${mode} mode`);
    if (mode === 'push') assert.match(stdout, /push subscription orders-worker to http:\/\/127\.0\.0\.1:\d+\//);
  });

test('orderflow up with a bad flag says so in one line and starts nothing', async () => {
  const result = await runCli(['up', '--workers', '0']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^orderflow: --workers must be a positive whole number/);
});

test('Ctrl-C stops the stack cleanly: exit 130, no process left, the warehouse opens and reads', { timeout: 240_000 }, async () => {
  const dataDir = tempDir('up-int');
  const child = spawn(process.execPath, [...CLI_ARGS, 'up', '--data-dir', dataDir, '--rate', '100', '--duration', '120'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Interrupt once the workers have acked something: mid-run, with messages in flight. The running
  // stack names its workers' /stats endpoints in stack.json (what `orderflow status` reads).
  const acked = async () => {
    const stack = await readStackFile(dataDir);
    return stack ? countersOf(await fetchWorkerStats(stack.workers[0]!)).acked : 0;
  };
  while ((await acked()) < 50) {
    assert.equal(child.exitCode, null, output);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Issue 22.12: while it runs, status shows the backlog, both workers' rates and the dead letters.
  const status = await runCli(['status', '--data-dir', dataDir, '--format', 'json']);
  assert.equal(status.code, 0, status.stderr);
  const running = JSON.parse(status.stdout.toString()) as Status;
  assert.equal(running.subscription?.subscription, 'projects/orderflow-local/subscriptions/orders-worker');
  assert.equal(typeof running.subscription?.num_undelivered_messages, 'number');
  assert.equal(running.workers.length, 2);
  assert.ok(
    running.workers.every((w) => w.error === undefined && w.acked! >= 0),
    JSON.stringify(running.workers),
  );
  assert.ok(
    running.workers.some((w) => w.ackedPerSecond! > 0),
    JSON.stringify(running.workers),
  );
  assert.ok(running.deadLetters, running.warehouseNote);
  const table = await runCli(['status', '--data-dir', dataDir]);
  assert.match(table.stdout.toString(), /^subscription +projects\/orderflow-local\/subscriptions\/orders-worker: backlog [\d,]+, oldest unacked/m);
  assert.match(table.stdout.toString(), /^ +http:\/\/127\.0\.0\.1:\d+ +received [\d.]+\/s +acked [\d.]+\/s/m);
  child.kill('SIGINT');
  const [code] = await once(child, 'close');
  assert.equal(code, 130, output);
  assert.match(output, /orderflow up: interrupted/);
  assert.deepEqual(processesMentioning(dataDir), []);
  const orders = await withDuckDBFile(join(dataDir, 'warehouse.duckdb'), async (db) =>
    Number((await db.runAndReadAll('SELECT count(*) AS n FROM raw.orders_current')).getRowObjectsJS()[0]!.n),
  );
  assert.ok(orders > 0);
});
