import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';
import { CLI_ARGS, runCli } from '../helpers/cli.ts';

let emulator: RunningEmulator;
let dir: string;
before(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'orderflow-startup-'));
});
after(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

/** A DuckDB warehouse with the raw tables and no Pub/Sub resources. */
async function createWarehouse(database: string): Promise<void> {
  const setup = await runCli(['setup', '--no-pubsub', '--database', database]);
  assert.equal(setup.code, 0, setup.stderr);
}

/** Collects a child's JSON log lines; `next(message)` resolves with the first line of that message. */
function logLines(stream: NodeJS.ReadableStream) {
  const lines: Record<string, unknown>[] = [];
  const waiters: { message: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  let lastText = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (text) lastText = text;
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.message === line.message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  return {
    last: () => lastText,
    next: (message: string) => {
      const seen = lines.find((line) => line.message === message);
      return seen ? Promise.resolve(seen) : new Promise<Record<string, unknown>>((resolve) => waiters.push({ message, resolve }));
    },
  };
}

// A first deploy: the worker's revision starts before its subscription exists (or its grant has
// propagated). It must wait, not ready, and start once the subscription is there.
test('with --startup-wait a worker waits, /ready 503, for a missing subscription and starts once setup creates it', { timeout: 120_000 }, async () => {
  const env = { ...process.env, PUBSUB_EMULATOR_HOST: emulator.address };
  const database = join(dir, 'w.duckdb');
  // The warehouse exists (a missing DuckDB file is a local mistake the worker refuses at once); the subscription does not.
  await createWarehouse(database);
  const child = spawn(process.execPath, [...CLI_ARGS, 'worker', '--project', 'late', '--database', database, '--port', '0', '--startup-wait', '60'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = once(child, 'exit');
  try {
    const logs = logLines(child.stderr!);
    // A worker that exits instead of waiting fails the test at once, with its last line, not by timeout.
    const exitedEarly = exited.then(([code]) => assert.fail(`the worker exited (${String(code)}) instead of waiting: ${logs.last()}`));
    const waiting = await Promise.race([logs.next('waiting for resources at start-up'), exitedEarly]);
    assert.match(String(waiting.reason), /subscription orders-worker does not exist in project late/);
    assert.equal(waiting.severity, 'WARNING');
    const base = `http://127.0.0.1:${String(waiting.port)}`;
    assert.equal((await fetch(`${base}/ready`)).status, 503);
    assert.equal((await fetch(`${base}/health`)).status, 200);

    const setup = await runCli(['setup', '--project', 'late', '--database', join(dir, 'setup.duckdb')], { env });
    assert.equal(setup.code, 0, setup.stderr);
    await Promise.race([logs.next('worker started'), exitedEarly]);
    assert.equal((await fetch(`${base}/ready`)).status, 200);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('past --startup-wait the worker exits 1 with the last reason in one line', { timeout: 60_000 }, async () => {
  await createWarehouse(join(dir, 'x.duckdb'));
  const result = await runCli(
    ['worker', '--project', 'never', '--subscription', 'nope', '--database', join(dir, 'x.duckdb'), '--port', '0', '--startup-wait', '12'],
    { env: { PUBSUB_EMULATOR_HOST: emulator.address } },
  );
  assert.equal(result.code, 1);
  const waits = result.stderr.split('\n').filter((line) => line.includes('waiting for resources at start-up'));
  assert.ok(waits.length >= 1 && waits.length <= 3, `one line per 5 s attempt within 12 s: ${waits.length}`);
  assert.match(result.stderr, /^orderflow: subscription nope does not exist in project never \(run orderflow setup\)$/m);
});
