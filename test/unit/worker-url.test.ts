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
  const worker = (exited?: number | string) => ({ name: 'worker-2', logFile, exited: () => exited });

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
