import assert from 'node:assert/strict';
import { request as httpRequest, createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { workerRequestListener } from '../../streaming/source/http-server.ts';
import { traceLogFields } from '../../streaming/source/trace-context.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('traceLogFields: Cloud Logging trace fields from a W3C traceparent; none from a missing or malformed one', () => {
  assert.deepEqual(traceLogFields(TRACEPARENT, 'shop'), {
    'logging.googleapis.com/trace': 'projects/shop/traces/4bf92f3577b34da6a3ce929d0e0e4736',
    'logging.googleapis.com/spanId': '00f067aa0ba902b7',
    'logging.googleapis.com/trace_sampled': true,
  });
  assert.equal(traceLogFields(TRACEPARENT.replace(/01$/, '00'), 'shop')['logging.googleapis.com/trace_sampled'], false);
  for (const bad of [undefined, '', 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', [TRACEPARENT, TRACEPARENT]])
    assert.deepEqual(traceLogFields(bad, 'shop'), {}, String(bad));
});

test("a refused push request's log line carries its request's trace", async () => {
  const lines = new PassThrough();
  let logged = '';
  lines.on('data', (chunk: Buffer) => (logged += chunk.toString()));
  const handler = { handle: () => assert.fail('a refused request reaches no handler') };
  const server = createServer(
    workerRequestListener({ isReady: () => true, push: { handler }, logger: createLogger({ destination: lines }), projectId: 'shop' }),
  ).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const response = httpRequest({ port: (server.address() as AddressInfo).port, method: 'POST', path: '/', headers: { traceparent: TRACEPARENT } });
    response.end('not a push envelope');
    const [answer] = (await once(response, 'response')) as [{ statusCode: number; resume(): void }];
    answer.resume();
    assert.equal(answer.statusCode, 400);
    const line = JSON.parse(logged.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(line.message, 'push request refused');
    assert.equal(line['logging.googleapis.com/trace'], 'projects/shop/traces/4bf92f3577b34da6a3ce929d0e0e4736');
  } finally {
    server.close();
  }
});
