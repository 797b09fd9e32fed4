import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

// The fast lane runs every unit test in one process (all.ts): a test that starts processes or
// reaches the integration helpers belongs in test/integration.
test('unit tests start no processes and use no integration harness', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const files = readdirSync(here, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts') && name !== 'lane.test.ts');
  assert.ok(files.length > 10, files.join(', '));
  const offenders = files.filter((name) => /from 'node:child_process'|helpers\/(cli|worker-harness)\.ts'/.test(readFileSync(`${here}/${name}`, 'utf8')));
  assert.deepEqual(offenders, []);
});
