import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { workerUrl } from '../../local/stack/worker-stats.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 21.4: `up --mode push` waited for its workers for ever; each wait is bounded now and ends in
// one line naming the worker and its log.
test('workerUrl: the port from the `worker started` line; one line naming the worker and its log when it exits or takes too long', async () => {
  const logFile = join(tempDir('worker-url'), 'worker-2.log');
  await writeFile(logFile, '{"severity":"INFO","message":"worker stats"}\n');
  const worker = (exited?: number | string, logOffset = 0) => ({ name: 'worker-2', logFile, logOffset, exited: () => exited });

  await assert.rejects(workerUrl(worker(), 300), (error: Error) => {
    assert.equal(error.message, `worker-2 did not start within 0.3 s; see ${logFile}`);
    return true;
  });
  await assert.rejects(workerUrl(worker('SIGKILL'), 60_000), (error: Error) => {
    assert.equal(error.message, `worker-2 exited (SIGKILL) before it started; see ${logFile}`);
    return true;
  });
  await writeFile(logFile, '{"severity":"INFO","mode":"push","port":41234,"message":"worker started"}\n', { flag: 'a' });
  assert.equal(await workerUrl(worker(), 300), 'http://127.0.0.1:41234');
});

// Found by a new user: logs are appended across runs, and a second `up` in the same data directory
// took the previous run's port from the first `worker started` line.
test("workerUrl reads only what this run wrote: an earlier run's `worker started` line is not this worker's port", async () => {
  const logFile = join(tempDir('worker-url-again'), 'worker-1.log');
  const earlier = '{"severity":"INFO","mode":"pull","port":36795,"message":"worker started"}\n';
  await writeFile(logFile, earlier);
  const worker = { name: 'worker-1', logFile, logOffset: Buffer.byteLength(earlier), exited: () => undefined };
  await assert.rejects(workerUrl(worker, 300), /worker-1 did not start within 0.3 s/);
  await writeFile(logFile, '{"severity":"INFO","mode":"pull","port":37509,"message":"worker started"}\n', { flag: 'a' });
  assert.equal(await workerUrl(worker, 300), 'http://127.0.0.1:37509');
});
