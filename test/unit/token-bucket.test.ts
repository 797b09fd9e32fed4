import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../generator/token-bucket.ts';

/** Drives a bucket on a fake clock the way runGenerator does: sleep only when the wait is worth a timer. */
function simulate(rate: number, seconds: number, minSleep = 4): number[] {
  let now = 0;
  const bucket = new TokenBucket(rate, undefined, () => now);
  const perSecond = new Array<number>(seconds).fill(0);
  while (now < seconds * 1000) {
    const wait = bucket.take();
    if (wait >= minSleep) now += wait + 1; // timers fire late: assume 1 ms
    if (now < seconds * 1000) perSecond[Math.floor(now / 1000)]! += 1;
    now += 0.01; // the work of sending one message
  }
  return perSecond;
}

for (const rate of [5, 100, 2500, 20000]) {
  test(`${rate} msg/s stays within 5% over 10 s and every 1 s window`, () => {
    const perSecond = simulate(rate, 10);
    const total = perSecond.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total / 10 - rate) / rate <= 0.05, `total ${total} over 10 s`);
    for (const n of perSecond.slice(1)) assert.ok(Math.abs(n - rate) / rate <= 0.05 + 1 / rate, `a second had ${n}`);
  });
}

test('a burst never exceeds the bucket size after idling', () => {
  let now = 0;
  const bucket = new TokenBucket(1000, 50, () => now);
  now = 60_000;
  let free = 0;
  while (bucket.take() === 0) free += 1;
  assert.equal(free, 50);
});
