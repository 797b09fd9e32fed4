import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Issue 19.6: the TypeScript is formatted once by Prettier (.prettierrc.json); this keeps it so.
test('every TypeScript file is as Prettier formats it (npm run format)', async () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const prettier = fileURLToPath(new URL('../../node_modules/prettier/bin/prettier.cjs', import.meta.url));
  const result = await promisify(execFile)(process.execPath, [prettier, '--check', '**/*.ts'], { cwd: root }).catch(
    (error: { stdout: string; stderr: string; code: number }) => error,
  );
  assert.ok(!('code' in result) || result.code === 0, `unformatted files (run npm run format):\n${result.stderr}${result.stdout}`);
});
