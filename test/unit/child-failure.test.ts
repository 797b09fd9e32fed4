import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { explainFailure } from '../../local/stack/child-failure.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Found by a new user: up said "see its log" and the reason was only in the child's log.
test("explainFailure: the child's own last `orderflow:` line from this run, with the log's path; else where to look", async () => {
  const logFile = join(tempDir('child-failure'), 'batch.log');
  const earlier = 'orderflow: an earlier run failed\n';
  await writeFile(logFile, `${earlier}{"severity":"INFO","message":"batch run started"}\n`);
  const offset = earlier.length;
  assert.equal(await explainFailure('batch exited 1', logFile, offset), `batch exited 1; see ${logFile}`);

  await writeFile(logFile, 'orderflow: first line\n{"severity":"ERROR","message":"x"}\norderflow: the lease is held by run r-1 \n', { flag: 'a' });
  assert.equal(await explainFailure('batch exited 1', logFile, offset), `batch exited 1: the lease is held by run r-1 (log: ${logFile})`);

  const missing = join(tempDir('child-failure-none'), 'setup.log');
  assert.equal(await explainFailure('setup failed', missing, 0), `setup failed; see ${missing}`);
});
