import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// npm 11's `npm ci` refuses a lock file that lacks any platform's optional binding, and npm silently
// leaves out bindings the registry does not have: a release with missing platforms breaks every clone.
test('package-lock.json locks every platform binding of the native packages', () => {
  const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'));
  const packages: Record<string, { optionalDependencies?: Record<string, string> }> = lock.packages;
  for (const name of ['node_modules/@duckdb/node-bindings', 'node_modules/esbuild']) {
    const optional = Object.keys(packages[name]?.optionalDependencies ?? {});
    assert.ok(optional.length > 0, `${name} is not in the lock file`);
    const missing = optional.filter((dep) => !packages[`node_modules/${dep}`] && !packages[`${name}/node_modules/${dep}`]);
    assert.deepEqual(missing, [], `${name}: these optional bindings are not locked`);
  }
});
