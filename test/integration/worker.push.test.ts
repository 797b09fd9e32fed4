import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { OAuth2Client } from 'google-auth-library';
import { createLogger } from '../../common/logger.ts';
import { FaultySink } from '../helpers/faulty-sink.ts';
import { MemorySink } from '../helpers/memory-sink.ts';
import { oidcVerifier } from '../../streaming/source/push-auth.ts';
import { startWorker, type RunningWorker } from '../../streaming/worker.ts';
import { freePort } from '../../local/gcloud-emulator.ts';
import { createdEvent, updatedEvent } from '../fixtures/events.ts';
import { pushWorkerConfig } from '../helpers/push-worker-config.ts';

const AUDIENCE = 'https://worker.test/push';
const PUSH_ACCOUNT = 'orderflow-push@p.iam.gserviceaccount.com';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Google's verifier with this test's signing key in place of Google's published certificates. */
class TestCertsClient extends OAuth2Client {
  override async getFederatedSignonCertsAsync(): ReturnType<OAuth2Client['getFederatedSignonCertsAsync']> {
    const certs = { test: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    return { certs, format: 'PEM' as Awaited<ReturnType<OAuth2Client['getFederatedSignonCertsAsync']>>['format'] };
  }
}

function token(claims: Record<string, unknown>, key = keys.privateKey): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${b64({ iss: 'https://accounts.google.com', aud: AUDIENCE, iat: now, exp: now + 600, email: PUSH_ACCOUNT, email_verified: true, ...claims })}`;
  return `${body}.${sign('RSA-SHA256', Buffer.from(body), key).toString('base64url')}`;
}

let sequence = 0;
const wrapped = (data: Buffer | string, attributes: Record<string, string> = {}) =>
  JSON.stringify({
    message: { data: Buffer.from(data).toString('base64'), attributes, messageId: `push-${++sequence}`, publishTime: '2026-11-20T10:00:01.000Z' },
    subscription: 'projects/p/subscriptions/orders-push',
    deliveryAttempt: 2,
  });

describe('push mode', () => {
  let worker: RunningWorker;
  let base: string;
  const memory = new MemorySink();
  const sink = new FaultySink(memory);
  const post = (body: string, headers: Record<string, string> = {}, bearer: string | null = token({})) =>
    fetch(`${base}/`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
    });

  before(async () => {
    worker = await startWorker(pushWorkerConfig(), {
      sink,
      logger: createLogger({ level: 'silent' }),
      verifier: oidcVerifier({ audience: AUDIENCE, serviceAccount: PUSH_ACCOUNT }, new TestCertsClient()),
    });
    base = `http://127.0.0.1:${worker.address.port}`;
  });
  after(async () => {
    await worker.stop();
  });

  test('/health and /ready (Cloud Run reserves paths ending in z) and the local aliases /healthz and /readyz answer 200', async () => {
    for (const path of ['/health', '/ready', '/healthz', '/readyz']) assert.equal((await fetch(`${base}${path}`)).status, 200, path);
  });

  test('a wrapped push with a valid token: 2xx once the rows are durable', async () => {
    const response = await post(wrapped(JSON.stringify(createdEvent()), { event_id: 'evt-0001' }));
    assert.equal(response.status, 204);
    const [order] = memory.tables.orders;
    assert.equal(order!.event_id, 'evt-0001');
    assert.match(String(order!.message_id), /^push-/);
    assert.equal(memory.tables.order_items.length, 2);
  });

  test('an unwrapped push: the body is the data, metadata and attributes come as headers', async () => {
    const response = await post('{"not": "an order"}', {
      'x-goog-pubsub-message-id': 'unwrapped-1',
      'x-goog-pubsub-publish-time': '2026-11-20T10:00:02Z',
      event_type: 'order_created',
    });
    assert.equal(response.status, 204);
    const row = memory.tables.dead_letter.find((r) => r.message_id === 'unwrapped-1');
    assert.ok(row);
    assert.equal(row.payload, '{"not": "an order"}');
    assert.equal(row.error_code, 'schema');
    assert.deepEqual(row.attributes, [{ key: 'event_type', value: 'order_created' }]);
  });

  test('missing, foreign-signed or wrong-audience tokens are refused with 401 and nothing is written', async () => {
    const before = memory.writes;
    for (const bearer of [null, token({}, stranger.privateKey), token({ aud: 'https://elsewhere' }), token({ exp: Math.floor(Date.now() / 1000) - 3600 })]) {
      assert.equal((await post(wrapped(JSON.stringify(updatedEvent())), {}, bearer)).status, 401);
    }
    assert.equal(memory.writes, before);
  });

  test('a Google-signed token for the right audience issued to another service account, or an unverified email, is refused with 401', async () => {
    const before = memory.writes;
    for (const claims of [{ email: 'someone-else@p.iam.gserviceaccount.com' }, { email_verified: false }, { email: undefined }]) {
      const response = await post(wrapped(JSON.stringify(updatedEvent())), {}, token(claims));
      assert.equal(response.status, 401, JSON.stringify(claims));
      assert.match(await response.text(), /not orderflow-push@p\.iam\.gserviceaccount\.com/);
    }
    assert.equal(memory.writes, before);
  });

  test('a request that is not a Pub/Sub push message is a 400', async () => {
    const response = await post(JSON.stringify({ message: { data: 'e30=' }, subscription: 's' }));
    assert.equal(response.status, 400);
  });

  // Issue 22.9: each of these got 204 and a dead-letter row under a made-up id.
  test('bodies that are not push messages get 400, are counted and nothing is written', async () => {
    const [writes, bad] = [memory.writes, worker.stats.badRequests];
    for (const body of ['garbage', '{"hello":1}', '{"message":{}}', '']) {
      const response = await post(body);
      assert.equal(response.status, 400, body);
      assert.match(await response.text(), /not a Pub\/Sub push message/);
    }
    assert.equal(memory.writes, writes);
    assert.equal(worker.stats.badRequests, bad + 4);
    assert.equal(worker.stats.snapshot()['source.bad_requests'], bad + 4);
  });

  test('a request over the size limit gets 413 and is counted', async () => {
    const bad = worker.stats.badRequests;
    const response = await post('x'.repeat(17 * 1024 * 1024));
    assert.equal(response.status, 413);
    assert.equal(worker.stats.badRequests, bad + 1);
  });

  test('a transient write failure answers 5xx so Pub/Sub retries; the retry succeeds', async () => {
    const body = wrapped(JSON.stringify({ ...updatedEvent(), event_id: 'evt-retry' }));
    sink.plan = { failNext: 1 };
    assert.equal((await post(body)).status, 503);
    assert.equal((await post(body)).status, 204);
    assert.equal(memory.tables.orders.filter((r) => r.event_id === 'evt-retry').length, 1);
  });

  // Issue 19.4: counters by endpoint, read by `up` and `orderflow status` rather than log files.
  test('GET /stats gives the counters as JSON and GET /metrics as Prometheus text', async () => {
    const stats = (await (await fetch(`${base}/stats`)).json()) as Record<string, unknown>;
    assert.ok(worker.stats.received > 0);
    assert.equal(stats['source.received'], worker.stats.received);
    assert.equal(stats['settle.acked'], worker.stats.acked);
    const response = await fetch(`${base}/metrics`);
    assert.match(String(response.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, new RegExp(`^orderflow_worker_messages_received_total ${worker.stats.received}$`, 'm'));
    assert.match(text, new RegExp(`^orderflow_worker_rows_written_total\\{table="orders"\\} ${worker.stats.rows.orders}$`, 'm'));
    assert.match(text, /^# TYPE orderflow_worker_messages_acked_total counter$/m);
    assert.match(text, /^orderflow_worker_process_resident_memory_bytes \d+/m);
  });

  test('concurrent requests share micro-batches while writes take time', async () => {
    // A batch is written as soon as every open request is in it, so requests that trickle in (this
    // client shares the process, each token is verified) may go alone while the sink is idle; the
    // two writes in flight at most then make the rest gather while an engine's round trip lasts.
    sink.plan = { delayMs: 100 };
    const before = memory.writes;
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => post(wrapped(JSON.stringify({ ...updatedEvent(), event_id: `evt-c${i}` })))));
    sink.plan = {};
    assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([204]));
    const writes = memory.writes - before;
    assert.ok(writes < 40 / 4, `40 requests in ${writes} writes`);
  });
});

// Issue 21.4: the worker binds its port before its warehouse is open; a probe in that window got no
// answer at all (no request listener yet) and `up --mode push` hung on it for fetch's 300 s.
test('while its warehouse opens, a push worker answers: /health 200, /ready and pushes 503', { timeout: 60_000 }, async () => {
  const port = await freePort();
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let sinkAsked!: () => void;
  const sinkRequested = new Promise<void>((resolve) => (sinkAsked = resolve));
  const starting = startWorker(pushWorkerConfig({ port }), {
    sink: async () => {
      sinkAsked();
      await opened;
      return new MemorySink();
    },
    logger: createLogger({ level: 'silent' }),
  });
  await sinkRequested;
  const get = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  try {
    assert.equal((await get('/health')).status, 200);
    assert.equal((await get('/ready')).status, 503);
    assert.equal((await get('/readyz')).status, 503);
    assert.equal((await get('/', { method: 'POST', body: wrapped(JSON.stringify(createdEvent())) })).status, 503);
  } finally {
    open();
  }
  const worker = await starting;
  try {
    assert.equal((await get('/ready')).status, 200);
  } finally {
    await worker.stop();
  }
});
