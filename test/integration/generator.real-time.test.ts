import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageOutput } from '../../generator/outputs/output.ts';
import { runGenerator, type RateShortfall } from '../../generator/run.ts';
import { EventStream } from '../../generator/stream.ts';
import { runCli } from '../helpers/cli.ts';

const eventTimes = (stdout: Buffer) =>
  stdout
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Date.parse((JSON.parse(line) as { event_time: string }).event_time));

test('with a wall clock the event clock is that clock: event_time is when the event was made, never earlier than the last', () => {
  let now = Date.parse('2026-11-30T10:00:00Z');
  const stream = new EventStream({ seed: 3, startTime: now, eventInterval: 300, wallClock: () => now });
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    now += 100; // 10 events a second
    times.push(Date.parse(stream.nextMessage().event?.event_time ?? ''));
  }
  assert.equal(times.at(-1), now);
  assert.ok(times.every((time, i) => i === 0 || time >= times[i - 1]!));
});

// Issue 22.10: `up --keep-running --update-rate 0.6` showed no update in 20 s: real lifecycle delays are minutes to days.
test('a live stream with a compressed lifecycle sends updates within 20 s of wall time, none dated after the wall clock', () => {
  let now = Date.parse('2026-11-30T10:00:00Z');
  const stream = new EventStream({ seed: 4, startTime: now, wallClock: () => now, updateRate: 0.6, lifecycleSpeed: 1440 });
  const statuses = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    now += 100; // 10 messages a second for 20 s
    const message = stream.nextMessage();
    assert.ok(Date.parse(message.event!.event_time) <= now, `${message.event!.event_time} after the wall clock`);
    if (message.kind === 'updated') statuses.set(message.event!.order.order_status, (statuses.get(message.event!.order.order_status) ?? 0) + 1);
  }
  const updates = [...statuses.values()].reduce((a, b) => a + b, 0);
  assert.ok(updates >= 30, `only ${updates} updates in 20 s`);
  assert.ok(statuses.has('approved') && (statuses.has('invoiced') || statuses.has('processing')), JSON.stringify(Object.fromEntries(statuses)));
});

test("at Olist's pace (speed 1) the same live stream sends no update in 20 s: approvals take a minute or more", () => {
  let now = Date.parse('2026-11-30T10:00:00Z');
  const stream = new EventStream({ seed: 4, startTime: now, wallClock: () => now, updateRate: 0.6 });
  let updates = 0;
  for (let i = 0; i < 200; i++) {
    now += 100;
    if (stream.nextMessage().kind === 'updated') updates += 1;
  }
  assert.equal(updates, 0);
});

test('a bounded history keeps every event, updates included, before its end, and spans its window', () => {
  const start = Date.parse('2026-11-01T00:00:00Z');
  for (const [seed, messages, days] of [
    [1, 3000, 10],
    [2, 200, 0.5],
    [3, 20_000, 30],
  ] as const) {
    const end = start + days * 86_400_000;
    const stream = new EventStream({ seed, startTime: start, history: { endTime: end, messages }, updateRate: 0.5, duplicateRate: 0.05 });
    const times = Array.from({ length: messages }, () => Date.parse(stream.nextMessage().event?.event_time ?? new Date(start).toISOString()));
    assert.ok(Math.max(...times) < end, `seed ${seed}: last event ${new Date(Math.max(...times)).toISOString()} after ${new Date(end).toISOString()}`);
    assert.ok(Math.min(...times) >= start);
    assert.ok(Math.max(...times) > end - (end - start) * 0.05, `seed ${seed}: the history stops short of its end`);
  }
});

test('a --start-time whose history would end in the future is refused with one line', async () => {
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19) + 'Z';
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19) + 'Z';
  for (const args of [
    ['--start-time', tomorrow, '--count', '5'],
    ['--start-time', hourAgo, '--count', '100'],
  ]) {
    const result = await runCli(['generate', ...args]);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, /ends at .*, in the future/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
});

// The generator VM ran `generate --rate 10` with a 300 s event interval: its events ended in 2031.
test('a live feed (--real-time, the default without --count) follows the wall clock: events carry the time they were made', { timeout: 60_000 }, async () => {
  const before = Date.now();
  const result = await runCli(['generate', '--real-time', '--count', '300', '--rate', '300', '--seed', '5']);
  const after = Date.now();
  assert.equal(result.code, 0, result.stderr);
  const times = eventTimes(result.stdout);
  assert.equal(times.length, 300);
  for (const time of times) assert.ok(time >= before - 1000 && time <= after, `${new Date(time).toISOString()} outside the run`);
});

// Issue 22.10: the history's clock drifted by its random gaps (one standard deviation: hours for 3,000 events).
test('simulated history (--count) ends about now by default: no event in the future', { timeout: 60_000 }, async () => {
  const result = await runCli(['generate', '--count', '3000', '--seed', '5', '--update-rate', '0.4']);
  const after = Date.now();
  assert.equal(result.code, 0, result.stderr);
  const times = eventTimes(result.stdout);
  assert.ok(Math.max(...times) <= after, `last event at ${new Date(Math.max(...times)).toISOString()}`);
  assert.ok(after - Math.min(...times) > 3000 * 300 * 1000 * 0.8, 'the history spans --count x --event-interval');
});

test('flags of simulated history are refused for a live feed, and an endless simulated clock is refused', async () => {
  const cases: [string[], RegExp][] = [
    [['generate', '--start-time', '2026-11-20T00:00:00Z'], /--start-time applies to simulated history/],
    [['generate', '--rate', '10', '--event-interval', '300'], /--event-interval applies to simulated history/],
    [['generate', '--no-real-time'], /--no-real-time needs --count/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, pattern);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
});

test('a --rate the output cannot take is reported with the rate achieved', async () => {
  const shortfalls: RateShortfall[] = [];
  // An output that takes a message every 5 ms at best: ~200 a second, far below the 2,000 asked.
  const slow: MessageOutput = {
    send: () => new Promise((resolve) => setTimeout(resolve, 5)),
    close: async () => ({ published: 0, failed: 0 }),
    stats: () => ({ published: 0, failed: 0, inFlight: 0 }),
  };
  await runGenerator(new EventStream({ seed: 1, startTime: 0 }), slow, { count: 400, rate: 2000, onShortfall: (s) => shortfalls.push(s) });
  assert.equal(shortfalls.length, 1, 'reported once at the end of a run shorter than a window');
  assert.equal(shortfalls[0]!.target_rate, 2000);
  assert.ok(shortfalls[0]!.achieved_rate < 1900 && shortfalls[0]!.achieved_rate > 0, JSON.stringify(shortfalls[0]));
});
