import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { workerPort } from '../../cli/commands/worker.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { spawnWorker, startHarness, terminate, type Harness } from '../helpers/worker-harness.ts';

// Issue 22.1: the guide's "as many as you like" — the same worker command twice on one machine.
describe('worker port', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => harness.close());

  test('two pull workers started with the same command each take a free port and log it', async () => {
    const [first, second] = await Promise.all([spawnWorker(harness, [], { defaultPort: true }), spawnWorker(harness, [], { defaultPort: true })]);
    const ports = await Promise.all([first, second].map(async (w) => Number((await w.waitForLog('worker started')).port)));
    assert.ok(
      ports.every((p) => p > 0),
      `ports ${ports}`,
    );
    assert.notEqual(ports[0], ports[1]);
    for (const port of ports) assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    assert.deepEqual(
      (await Promise.all([terminate(first), terminate(second)])).map((r) => r.code),
      [0, 0],
    );
  });

  test('a port in use is one line naming it, before the warehouse is touched', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      // No warehouse at this path: a worker that opened the warehouse first would say so instead.
      const missing = join(tempDir('port'), 'none.duckdb');
      const result = await runCli(['worker', '--port', String(port), '--database', missing], { env: { PUBSUB_EMULATOR_HOST: harness.emulator.address } });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(`^orderflow: port ${port} on 127\\.0\\.0\\.1 is in use \\(another worker\\?\\): pass --port 0 for a free one, or another --port$`, 'm'),
      );
    } finally {
      taken.close();
    }
  });

  test('defaults: --port, then $PORT, then a free port for pull and 8080 for push', () => {
    assert.equal(workerPort(9000, 'pull', { PORT: '8081' }), 9000);
    assert.equal(workerPort(undefined, 'pull', { PORT: '8081' }), 8081);
    assert.equal(workerPort(undefined, 'pull', {}), 0);
    assert.equal(workerPort(undefined, 'push', {}), 8080);
  });
});
