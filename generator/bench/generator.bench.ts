// npm run bench:generator — how fast the generator makes events, and how steady --rate holds.
import type { MessageOutput } from '../outputs/output.ts';
import { runGenerator } from '../run.ts';
import { EventStream } from '../stream.ts';

const START = Date.parse('2026-11-20T00:00:00Z');
const mix = { seed: 1, startTime: START, duplicateRate: 0.05, invalidRate: 0.02, updateRate: 0.1 };

// 1. Throughput: making events vs only serialising already-made events (the floor any generator pays).
const N = 100_000;
let bytes = 0;
let t = performance.now();
const stream = new EventStream(mix);
for (let i = 0; i < N; i++) bytes += stream.nextMessage().data.length;
const generateUs = ((performance.now() - t) * 1000) / N;
const sample = Array.from({ length: 10_000 }, () => stream.nextMessage().event).filter((e) => e !== undefined);
t = performance.now();
for (let round = 0; round < 10; round++) for (const event of sample) Buffer.from(JSON.stringify(event));
const serialiseUs = ((performance.now() - t) * 1000) / (10 * sample.length);
console.log(`generate: ${generateUs.toFixed(2)} µs/event (${Math.round(1e6 / generateUs)} events/s, ${Math.round(bytes / N)} B avg)`);
console.log(`baseline JSON.stringify of the same kind of events: ${serialiseUs.toFixed(2)} µs/event; ratio ${(generateUs / serialiseUs).toFixed(1)}x`);

// 2. Rate: --rate R for 10 s into an output that only counts, per second.
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = 10;
const perSecond = new Array<number>(SECONDS).fill(0);
const began = performance.now();
const counting: MessageOutput = {
  send: async () => {
    const second = Math.floor((performance.now() - began) / 1000);
    if (second < SECONDS) perSecond[second]! += 1;
  },
  close: async () => ({ published: 0, failed: 0 }),
  stats: () => ({ published: 0, failed: 0, inFlight: 0 }),
};
const stop = new AbortController();
setTimeout(() => stop.abort(), SECONDS * 1000);
await runGenerator(new EventStream(mix), counting, { rate: RATE, signal: stop.signal });
const total = perSecond.reduce((a, b) => a + b, 0);
const worst = Math.max(...perSecond.map((n) => Math.abs(n - RATE) / RATE));
console.log(`rate: target ${RATE}/s, achieved ${(total / SECONDS).toFixed(1)}/s over ${SECONDS} s (ratio ${(total / SECONDS / RATE).toFixed(3)}); per second: ${perSecond.join(' ')}; worst second off by ${(worst * 100).toFixed(1)}%`);
