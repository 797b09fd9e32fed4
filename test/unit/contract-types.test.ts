import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { renderEventTypes } from '../../scripts/render-types.ts';

test('common/contract/order-event.generated.ts is generated from the current schema (npm run gen:types)', async () => {
  const committed = await readFile(new URL('../../common/contract/order-event.generated.ts', import.meta.url), 'utf8');
  assert.equal(committed, await renderEventTypes(), 'stale: run npm run gen:types');
});
