import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StackResult } from '../../local/stack/up.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { readStackFile } from '../../local/stack/stack-file.ts';
import { countersOf, fetchWorkerStats } from '../../local/stack/worker-stats.ts';
import { CLI_ARGS } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// Issue 22.2: in a real terminal Ctrl-C reaches the whole foreground process group. The workers
// used to get it too, exit, and `up` reported "worker-2 exited with code 0": no drain, no WAP run.
test(
  'up --keep-running in a terminal: Ctrl-C drains, runs the WAP job and summarises',
  {
    timeout: 300_000,
    skip: hasScript ? false : 'needs script(1) from util-linux for a pseudo-terminal',
  },
  async () => {
    const dataDir = tempDir('up-tty');
    // `exec`: the test is about orderflow in a terminal, not the login shell. script(1) runs the command with
    // $SHELL -c, and dash (Debian's /bin/sh) stays in the foreground group, takes the Ctrl-C itself and exits 130.
    const command = ['exec', ...[process.execPath, ...CLI_ARGS, 'up', '--keep-running', '--data-dir', dataDir, '--rate', '50'].map((a) => `'${a}'`)].join(' ');
    // script runs the command on a pseudo-terminal; a 0x03 written to its stdin is the terminal's Ctrl-C.
    const terminal = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    terminal.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    terminal.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const acked = async () => {
      const stack = await readStackFile(dataDir);
      if (!stack) return 0;
      const all = await Promise.all(stack.workers.map((url) => fetchWorkerStats(url).then(countersOf, () => ({ acked: 0 }))));
      return Math.min(...all.map((c) => c.acked));
    };
    while ((await acked()) < 20) {
      assert.equal(terminal.exitCode, null, output);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    terminal.stdin.write('\x03');
    const [code] = await once(terminal, 'close');
    const finished = Date.now();
    // A failure names the part that went wrong (the summary, and the batch log when the audit did not publish).
    const summary = output.slice(output.indexOf('orderflow up:'));
    assert.doesNotMatch(output, /exited with code/, output.slice(-2000));
    assert.match(output, /stopping the generator; draining, then the WAP job/, output.slice(-2000));
    assert.match(output, /orderflow up: done/, output.slice(-2000));
    assert.match(summary, /ingested .* matches\)/, summary);
    const batchLog = await readFile(join(dataDir, 'logs', 'batch.log'), 'utf8').catch((error: Error) => error.message);
    assert.match(summary, /audit +published/, `${summary}\nbatch.log:\n${batchLog.slice(-3000)}`);
    assert.equal(code, 0, summary);
    // Issue 22.10: a live run shows lifecycle updates (none in 20 s before), and no event is dated after the wall clock.
    const result = JSON.parse(await readFile(join(dataDir, 'up-summary.json'), 'utf8')) as StackResult;
    assert.ok(result.generator.byKind.updated > 0, JSON.stringify(result.generator.byKind));
    const latest = await withDuckDBFile(join(dataDir, 'warehouse.duckdb'), async (db) =>
      Number((await db.runAndReadAll('SELECT epoch_ms(max(event_time)) AS t FROM raw.orders')).getRowObjectsJS()[0]!.t),
    );
    assert.ok(latest <= finished, `an event at ${new Date(latest).toISOString()}, after the run`);
  },
);
