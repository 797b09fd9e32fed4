import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { renderCliReference } from '../../scripts/cli-reference.ts';

test("docs/cli.md is the CLI's current --help (npm run docs:cli)", async () => {
  const committed = await readFile(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  assert.equal(committed, renderCliReference(), 'stale: run npm run docs:cli');
});
