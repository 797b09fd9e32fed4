// npm run bench:generator — how fast the generator makes events, how steady --rate holds, and how
// fast it publishes with and without ordering keys.
import { PubSub } from '@google-cloud/pubsub';
import { createLogger } from '../../common/logger.ts';
import { startEmulatorProcess } from '../../local/bench/emulator-process.ts';
import type { MessageOutput } from '../outputs/output.ts';
import { PubSubOutput } from '../outputs/pubsub-output.ts';
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
console.log(
  `rate: target ${RATE}/s, achieved ${(total / SECONDS).toFixed(1)}/s over ${SECONDS} s (ratio ${(total / SECONDS / RATE).toFixed(3)}); per second: ${perSecond.join(' ')}; worst second off by ${(worst * 100).toFixed(1)}%`,
);

// 3. Publishing to Pub/Sub (the embedded emulator in its own process): ordering keys vs none, same
// run, same messages. The client batches per ordering key, so ordered publishing sends ~1-message
// batches and is CPU-bound in the client; that is why `generate` publishes without keys by default.
const PUBLISH = Number(process.env.BENCH_PUBLISH_COUNT ?? 5000);
const emulator = await startEmulatorProcess();
process.env.PUBSUB_EMULATOR_HOST = emulator.address;
try {
  const admin = new PubSub({ projectId: 'orderflow-bench' });
  const silent = createLogger({ level: 'silent' });
  const rates: Record<string, number> = {};
  for (const ordering of [false, true]) {
    const topic = `bench-${ordering ? 'ordered' : 'unordered'}-${process.pid}`;
    await admin.createTopic(topic);
    const output = new PubSubOutput({ projectId: 'orderflow-bench', topic, maxInFlight: 2000, ordering, logger: silent });
    const began = performance.now();
    const result = await runGenerator(new EventStream(mix), output, { count: PUBLISH });
    const seconds = (performance.now() - began) / 1000;
    if (result.published !== PUBLISH) throw new Error(`published ${result.published} of ${PUBLISH}`);
    rates[ordering ? 'ordered' : 'unordered'] = PUBLISH / seconds;
    console.log(
      `publish ${ordering ? 'with ordering keys' : 'without ordering keys (default)'}: ${PUBLISH} messages in ${seconds.toFixed(2)} s (${Math.round(PUBLISH / seconds)} msg/s)`,
    );
  }
  console.log(`publish: unordered / ordered throughput ratio ${(rates.unordered! / rates.ordered!).toFixed(1)}x`);
  await admin.close();
} finally {
  await emulator.close();
}
