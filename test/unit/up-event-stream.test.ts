import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stackEventStream } from '../../local/stack/up.ts';

const MIX = { seed: 1, duplicateRate: 0.03, invalidRate: 0.02, updateRate: 0.6 };
const timeOf = (event: { event_time: string } | undefined) => (event ? Date.parse(event.event_time) : undefined);

// Issue 22.10: a bounded `up` put events hours in the future (its simulated clock drifted past now).
test('a bounded up replays a history that ends by the start of the run, updates included', () => {
  for (const [rate, duration, seed] of [
    [100, 30, 1],
    [150, 6, 2],
    [500, 60, 3],
  ] as const) {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const { stream, count } = stackEventStream({ ...MIX, seed, rate, duration, keepRunning: false }, () => now);
    assert.equal(count, rate * duration);
    let latest = 0;
    let updates = 0;
    for (let i = 0; i < count!; i++) {
      const message = stream.nextMessage();
      latest = Math.max(latest, timeOf(message.event) ?? 0);
      if (message.kind === 'updated') updates += 1;
    }
    assert.ok(latest <= now, `rate ${rate} x ${duration} s: an event at ${new Date(latest).toISOString()}, after the run's start`);
    assert.ok(updates > count! * 0.3, `rate ${rate} x ${duration} s: ${updates} updates`);
  }
});

// Issue 22.10: `up --keep-running --update-rate 0.6` published no update in 20 s.
test('up --keep-running follows the wall clock and publishes updates within 20 s', () => {
  let now = Date.parse('2026-11-30T12:00:00Z');
  const { stream, count } = stackEventStream({ ...MIX, rate: 10, duration: 30, keepRunning: true }, () => now);
  assert.equal(count, undefined);
  const updated = new Set<string>();
  let updates = 0;
  for (let i = 0; i < 200; i++) {
    now += 100; // --rate 10 for 20 s
    const message = stream.nextMessage();
    if (!message.event) continue;
    assert.ok(timeOf(message.event)! <= now, `${message.event.event_time} is after the wall clock`);
    // event_time has whole seconds.
    if (message.kind === 'created') assert.ok(timeOf(message.event)! > now - 1000, 'a new order is dated when it is made');
    if (message.kind === 'updated') {
      updates += 1;
      updated.add(message.event.order.order_status);
    }
  }
  assert.ok(updates >= 30, `${updates} updates in 20 s`);
  assert.ok(updated.has('approved'), [...updated].join());
});
