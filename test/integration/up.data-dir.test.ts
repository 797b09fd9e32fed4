import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI_ARGS, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Every file and directory under `dir`, sorted; DuckDB's write-ahead log comes and goes with checkpoints. */
const listing = async (dir: string) => (await readdir(dir, { recursive: true })).filter((name) => !name.endsWith('.wal')).sort();
const contentOf = (dir: string, name: string) => readFile(join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => error.code);

/** Resolves once `path` exists; rejects when `child` ends first. */
async function appears(path: string, child: ReturnType<typeof spawn>, output: () => string): Promise<void> {
  while (!existsSync(path)) {
    assert.equal(child.exitCode, null, `up ended before ${path} appeared:\n${output()}`);
    await sleep(100);
  }
}

// Found by a new user: a second `up` on the same --data-dir ran beside the first, and each
// overwrote the other's summary and warehouse figures.
test('a second up on the same --data-dir refuses at once, naming the directory and the running pid, touching nothing', { timeout: 240_000 }, async () => {
  const dataDir = tempDir('up-twice');
  const first = spawn(process.execPath, [...CLI_ARGS, 'up', '--data-dir', dataDir, '--workers', '1', '--rate', '5', '--duration', '600'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  first.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  first.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    // Generating: the live status is written every half second.
    await appears(join(dataDir, 'up-live.json'), first, () => output);
    const before = await listing(dataDir);
    const stack = await contentOf(dataDir, 'stack.json');
    const second = await runCli(['up', '--data-dir', dataDir, '--duration', '1']);
    assert.equal(second.code, 1, second.stderr);
    assert.equal(second.stderr, `orderflow: another orderflow up (pid ${first.pid}) is running in ${dataDir}; stop it first\n`);
    assert.equal(second.stdout.toString(), '');
    // The first run keeps rewriting its live status, logs and warehouse; the second adds, removes or rewrites nothing.
    assert.deepEqual(await listing(dataDir), before);
    assert.equal(await contentOf(dataDir, 'stack.json'), stack);
  } finally {
    first.kill('SIGINT');
  }
  const [code] = await once(first, 'close');
  assert.equal(code, 130, output);
  // Interrupted, up still removes what only means something while it runs.
  assert.equal(existsSync(join(dataDir, 'up-live.json')), false, 'up-live.json is left behind after an interrupted run');
  assert.equal(existsSync(join(dataDir, 'up.lock')), false, 'up.lock is left behind after an interrupted run');
});

// A run that was killed (SIGKILL, a crash) leaves its lock behind; its pid is gone, so it does not block.
test("a killed run's lock does not block the next up; a finished up leaves no live status behind", { timeout: 300_000 }, async () => {
  const dataDir = tempDir('up-stale-lock');
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(gone.stdout);
  assert.ok(deadPid > 0);
  await writeFile(join(dataDir, 'up.lock'), JSON.stringify({ pid: deadPid, startedAt: new Date().toISOString() }));
  const result = await runCli(['up', '--data-dir', dataDir, '--workers', '1', '--rate', '20', '--duration', '3']);
  assert.equal(result.code, 0, `${result.stdout.toString()}\n${result.stderr}`);
  const left = await readdir(dataDir);
  assert.ok(left.includes('up-summary.json'), left.join(', '));
  // The dashboard shows live rates only from a fresh status (dashboard/server.ts); after the run there is none to show.
  assert.equal(left.includes('up-live.json'), false, 'up-live.json is left behind');
  assert.equal(left.includes('up.lock'), false, 'up.lock is left behind');
});
