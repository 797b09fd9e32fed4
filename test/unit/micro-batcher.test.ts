import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import fc from 'fast-check';
import { MicroBatcher, type BatchLimits } from '../../streaming/pipeline/micro-batcher.ts';

// An age limit no test waits for: an entry written within a test was written by another rule.
const LIMITS: BatchLimits = { maxMessages: 1000, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 60_000, maxInFlight: 1 };

/** A batcher whose writes are recorded and finish when the test says so. */
function recording(limits: BatchLimits = LIMITS) {
  const writes: number[][] = [];
  const finish: (() => void)[] = [];
  const batcher = new MicroBatcher<number, string>(limits, (items) => {
    writes.push(items);
    return new Promise((resolve) => finish.push(() => resolve(items.map((i) => `ok ${i}`))));
  });
  const done: (string | undefined)[] = [];
  const add = (...items: number[]) => {
    for (const item of items) batcher.add(item, { rows: 1, bytes: 10 }, (error, result) => done.push(error ? error.message : result));
  };
  return { batcher, writes, finish, done, add };
}

describe('micro-batcher', () => {
  test('without allIn (pull mode) a batch under every limit waits for its age', async () => {
    const { batcher, writes, finish, add } = recording();
    add(1, 2, 3);
    await turn();
    assert.deepEqual(writes, []);
    assert.equal(batcher.pending, 3);
    batcher.allIn(3);
    finish.shift()!();
  });

  test('allIn: N open entries, all in the buffer, are written at once, without waiting for the age limit', async () => {
    const { batcher, writes, finish, done, add } = recording();
    add(1, 2, 3, 4, 5);
    batcher.allIn(5);
    assert.deepEqual(writes, [[1, 2, 3, 4, 5]]);
    finish.shift()!();
    await turn();
    assert.deepEqual(done, ['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
  });

  test('allIn with open entries not in the buffer (being written, or not added yet) waits for them', async () => {
    const { batcher, writes, finish, add } = recording({ ...LIMITS, maxInFlight: 2 });
    add(1, 2);
    batcher.allIn(2);
    add(3);
    batcher.allIn(3);
    assert.deepEqual(writes, [[1, 2]], 'entries 1 and 2 are being written: when answered their senders may send more');
    batcher.allIn(4);
    assert.deepEqual(writes, [[1, 2]], 'a fourth open entry has not reached the buffer');
    finish.shift()!();
    await turn();
    assert.deepEqual(writes, [[1, 2]], 'a write that ends is not the caller saying all are in');
    batcher.allIn(1);
    assert.deepEqual(writes, [[1, 2], [3]]);
    finish.shift()!();
  });

  test('allIn while every write slot is busy: the buffer goes as soon as a slot frees', async () => {
    const { batcher, writes, finish, add } = recording();
    add(1);
    batcher.allIn(1);
    add(2, 3);
    batcher.allIn(2);
    assert.deepEqual(writes, [[1]], 'one write in flight at most');
    finish.shift()!();
    await turn();
    assert.deepEqual(writes, [[1], [2, 3]]);
    finish.shift()!();
  });

  test('an entry added after allIn is waited for again, until the caller says all are in', async () => {
    const { batcher, writes, finish, add } = recording();
    add(1);
    batcher.allIn(1);
    add(2);
    batcher.allIn(1);
    add(3);
    finish.shift()!();
    await turn();
    assert.deepEqual(writes, [[1]], 'entry 3 may have company coming: the age rule holds');
    batcher.allIn(2);
    assert.deepEqual(writes, [[1], [2, 3]]);
    finish.shift()!();
  });
});

// Issue 19.5: whatever the limits, the order of adds, allIn hints and failing writes, every entry
// settles exactly once, with its own result or its batch's error, and no write exceeds maxInFlight.
test('micro-batcher, any schedule: every entry settles exactly once, with its own result or its batch error', async () => {
  const limits = fc.record({
    maxMessages: fc.integer({ min: 1, max: 8 }),
    maxRows: fc.integer({ min: 1, max: 30 }),
    maxBytes: fc.integer({ min: 1, max: 5000 }),
    maxAgeMs: fc.integer({ min: 0, max: 3 }),
    maxInFlight: fc.integer({ min: 1, max: 3 }),
  });
  const step = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), rows: fc.integer({ min: 0, max: 6 }), bytes: fc.integer({ min: 0, max: 900 }) }),
    fc.record({ kind: fc.constant('allIn' as const), open: fc.integer({ min: 0, max: 10 }) }),
    fc.record({ kind: fc.constant('turn' as const) }),
  );
  await fc.assert(
    fc.asyncProperty(limits, fc.array(step, { maxLength: 60 }), fc.array(fc.boolean(), { maxLength: 30 }), async (batchLimits, steps, failures) => {
      let inFlight = 0;
      let writes = 0;
      const batcher = new MicroBatcher<number, string>(batchLimits, async (items) => {
        inFlight += 1;
        assert.ok(inFlight <= batchLimits.maxInFlight, 'at most maxInFlight writes at once');
        const fail = failures[writes++ % Math.max(1, failures.length)] ?? false;
        await turn();
        inFlight -= 1;
        if (fail) throw new Error('refused');
        return items.map((item) => `r${item}`);
      });
      const settled = new Map<number, (Error | string)[]>();
      let added = 0;
      for (const s of steps) {
        if (s.kind === 'add') {
          const id = added++;
          settled.set(id, []);
          batcher.add(id, s, (error, result) => settled.get(id)!.push(error ?? result!));
        } else if (s.kind === 'allIn') batcher.allIn(s.open);
        else await turn();
      }
      await batcher.flush();
      assert.equal(batcher.pending, 0);
      for (const [id, outcomes] of settled) {
        assert.equal(outcomes.length, 1, `entry ${id} settled ${outcomes.length} times`);
        const [outcome] = outcomes;
        assert.ok(outcome instanceof Error ? outcome.message === 'refused' : outcome === `r${id}`, `entry ${id}: ${String(outcome)}`);
      }
    }),
    { numRuns: 150 },
  );
});
