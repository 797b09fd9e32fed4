// The load of bench:push, in a process of its own as Pub/Sub's push front end would be: `count`
// messages of a generated stream as wrapped push envelopes, POSTed over keep-alive HTTP with
// `concurrency` requests open at once (each connection sends its next message once answered). A
// 5xx answer is sent again, as Pub/Sub retries. Prints one JSON line: request latencies' p50/p99
// (ms) and the retries. Arguments: <port> <concurrency> <count> <seed>.
import { Agent, request } from 'node:http';
import { generated, quantile } from './kit.ts';

const [port, concurrency, count, seed] = process.argv.slice(2).map(Number) as [number, number, number, number];
const subscription = `projects/bench/subscriptions/push-${seed}`;
const publishTime = new Date().toISOString();
const bodies = generated(seed)(count).map((m, i) => JSON.stringify({
  message: { data: m.data.toString('base64'), attributes: m.attributes, messageId: `push-${seed}-${i}`, publishTime },
  subscription,
}));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const latencies: number[] = [];
let retries = 0;

const post = (body: string) => new Promise<number>((resolve, reject) => {
  const call = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
    response.resume();
    response.on('end', () => resolve(response.statusCode ?? 0));
  });
  call.on('error', reject);
  call.end(body);
});

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

await Promise.all(Array.from({ length: concurrency }, connection));
agent.destroy();
process.stdout.write(`${JSON.stringify({ p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), retries })}\n`);
