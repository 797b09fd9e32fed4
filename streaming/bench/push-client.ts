// The load of bench:push, in a process of its own as Pub/Sub's push front end would be: `count`
// messages of a generated stream as wrapped push envelopes, POSTed over keep-alive HTTP (undici) with
// `concurrency` requests open at once (each connection sends its next message once answered). A
// 5xx answer is sent again, as Pub/Sub retries. Prints one JSON line: request latencies' p50/p99
// (ms), the retries and the CPU µs a message while sending. Arguments: <port> <concurrency> <count> <seed>.
import { Pool } from 'undici';
import { generated, quantile } from './kit.ts';

const [port, concurrency, count, seed] = process.argv.slice(2).map(Number) as [number, number, number, number];
const subscription = `projects/bench/subscriptions/push-${seed}`;
const publishTime = new Date().toISOString();
const bodies = generated(seed)(count).map((m, i) =>
  JSON.stringify({
    message: { data: m.data.toString('base64'), attributes: m.attributes, messageId: `push-${seed}-${i}`, publishTime },
    subscription,
  }),
);
// undici: keep-alive connections, one request at a time on each (as Pub/Sub's push does), and a
// client cheap enough that the load generator does not take the worker's CPU on a small machine.
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 });
const headers = { 'content-type': 'application/json' };
const latencies: number[] = [];
let retries = 0;

async function post(body: string): Promise<number> {
  const { statusCode, body: answer } = await pool.request({ method: 'POST', path: '/', headers, body });
  await answer.dump();
  return statusCode;
}

let next = 0;
async function connection(): Promise<void> {
  while (next < bodies.length) {
    const body = bodies[next++]!;
    for (;;) {
      const started = performance.now();
      const status = await post(body);
      latencies.push(performance.now() - started);
      if (status === 204) break;
      retries += 1;
    }
  }
}

const cpu = process.cpuUsage();
await Promise.all(Array.from({ length: concurrency }, connection));
const { user, system } = process.cpuUsage(cpu);
await pool.close();
process.stdout.write(`${JSON.stringify({ p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), retries, cpu: (user + system) / count })}\n`);
