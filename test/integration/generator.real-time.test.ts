import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageOutput } from '../../generator/outputs/output.ts';
import { runGenerator, type RateShortfall } from '../../generator/run.ts';
import { EventStream } from '../../generator/stream.ts';
import { runCli } from '../helpers/cli.ts';

const eventTimes = (stdout: Buffer) => stdout.toString('utf8').split('\n').filter(Boolean).map((line) => Date.parse((JSON.parse(line) as { event_time: string }).event_time));

test('with a wall clock the event clock is that clock: event_time is when the event was made, never earlier than the last', () => {
  let now = Date.parse('2026-11-30T10:00:00Z');
  const stream = new EventStream({ seed: 3, startTime: now, eventInterval: 300, wallClock: () => now });
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    now += 100; // 10 events a second
    times.push(Date.parse((stream.nextMessage().event?.event_time ?? '')));
  }
  assert.equal(times.at(-1), now);
  assert.ok(times.every((time, i) => i === 0 || time >= times[i - 1]!));
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

test('simulated history (--count) ends about now by default: no event in the future', { timeout: 60_000, todo: 'since the merge, lifecycle updates of a --count history run up to hours past now: to fix (issue 17 reopened, with 22.10)' }, async () => {
  const result = await runCli(['generate', '--count', '3000', '--seed', '5']);
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
