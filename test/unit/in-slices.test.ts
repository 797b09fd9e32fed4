import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inSlices } from '../../streaming/source/in-slices.ts';

test('a burst is handled in order, in slices with other callbacks running in between', async () => {
  const handled: number[] = [];
  const seenBetween: number[] = [];
  const take = inSlices<number>((item) => handled.push(item), 64);
  for (let i = 0; i < 200; i++) take(i);
  assert.equal(handled.length, 0, 'nothing is handled within the turn the burst arrived in');
  // Callbacks queued after the burst run between its slices.
  setImmediate(() => seenBetween.push(handled.length));
  setImmediate(() => setImmediate(() => seenBetween.push(handled.length)));
  // Each slice runs in its own turn of the event loop: wait turn by turn until the burst is handled.
  for (let turn = 0; handled.length < 200 && turn < 100; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    handled,
    Array.from({ length: 200 }, (_, i) => i),
  );
  assert.deepEqual(seenBetween, [64, 128]);
  // A later item starts a new round.
  take(200);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(handled.at(-1), 200);
});
