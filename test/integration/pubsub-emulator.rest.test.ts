import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';

// What a person with curl sees of the embedded emulator's REST API, beyond the conformance suite's
// cases (which run over REST against both emulators).
let emulator: RunningEmulator;
let base: string;
const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

before(async () => {
  emulator = await startEmulator();
  base = `http://${emulator.address}/v1/projects/rest`;
});
after(() => emulator.close());

test('takes fields by proto name as well as JSON name, and answers proto3 JSON', async () => {
  assert.deepEqual(await call('PUT', '/topics/orders'), { status: 200, json: { name: 'projects/rest/topics/orders' } });
  const created = await call('PUT', '/subscriptions/orders-sub', {
    topic: 'projects/rest/topics/orders',
    ack_deadline_seconds: 33,
    retry_policy: { minimum_backoff: '5s' },
    labels: { team_name: 'data' },
  });
  assert.equal(created.status, 200);
  assert.equal(created.json.ackDeadlineSeconds, 33);
  assert.deepEqual(created.json.retryPolicy, { minimumBackoff: '5s' });
  assert.deepEqual(created.json.labels, { team_name: 'data' }, 'map keys are left as they are');
  assert.equal(created.json.messageRetentionDuration, '604800s');
});

test("errors in Pub/Sub's JSON shape with the HTTP status of their code", async () => {
  assert.deepEqual((await call('GET', '/topics/missing-topic')).json.error, {
    code: 404,
    message: 'Resource not found (resource=projects/rest/topics/missing-topic).',
    status: 'NOT_FOUND',
  });
  const bad = await call('POST', '/subscriptions/orders-sub:pull', '{not json');
  assert.equal(bad.status, 400);
  assert.equal((bad.json.error as { status?: string }).status, 'INVALID_ARGUMENT');
  const snapshots = await call('GET', '/snapshots');
  assert.deepEqual([snapshots.status, (snapshots.json.error as { status?: string }).status], [501, 'UNIMPLEMENTED']);
  const unknown = await call('GET', '/nothing/here');
  assert.deepEqual([unknown.status, (unknown.json.error as { status?: string }).status], [404, 'NOT_FOUND']);
});

test("serves the push ID tokens' signing certificates in Google's PEM format", async () => {
  const response = await fetch(emulator.certsUrl);
  assert.equal(response.status, 200);
  const certs = (await response.json()) as Record<string, string>;
  assert.equal(Object.keys(certs).length, 1);
  assert.match(Object.values(certs)[0] ?? '', /^-----BEGIN PUBLIC KEY-----/);
});
