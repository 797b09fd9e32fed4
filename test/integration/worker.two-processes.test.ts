import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GeneratedMessage } from '../../generator/stream.ts';
import { REASON_CODES } from '../../common/contract/reasons.ts';
import {
  assertExact,
  backlog,
  expectedState,
  generateMessages,
  publish,
  readState,
  spawnWorker,
  startHarness,
  terminate,
  until,
  type Harness,
} from '../helpers/worker-harness.ts';

const COUNT = 20_000;

describe('two worker processes on one subscription', () => {
  let harness: Harness;
  let messages: GeneratedMessage[];
  before(async () => {
    harness = await startHarness();
    messages = generateMessages(COUNT);
  });
  after(async () => {
    await harness.close();
  });

  test(`${COUNT} events (5% duplicates, 2% invalid, 10% updates): the *_current views and dead letters are exact`, async () => {
    const kinds = new Set(messages.filter((m) => m.kind === 'invalid').map((m) => m.expectedError));
    assert.deepEqual(kinds, new Set(REASON_CODES), `invalid messages of every kind, got ${[...kinds].join(', ')}`);
    const started = Date.now();
    const workers = await Promise.all([spawnWorker(harness), spawnWorker(harness)]);
    await publish(harness, messages);
    await until(() => backlog(harness) === 0, 'the subscription to drain');
    const drainedMs = Date.now() - started;
    const stops = await Promise.all(workers.map(terminate));
    assert.deepEqual(
      stops.map((s) => s.code),
      [0, 0],
    );
    const received = await Promise.all(workers.map(async (w) => (await w.waitForLog('worker stopped'))['source.received'] as number));
    assert.ok(
      received.every((n) => n > 0),
      `both workers took messages: ${received.join(', ')}`,
    );
    assert.ok(received[0]! + received[1]! >= COUNT);
    const actual = await readState(harness.database);
    assertExact(actual, expectedState(messages));
    process.stderr.write(`# ${COUNT} messages drained by two workers in ${drainedMs} ms (received ${received.join(' + ')})\n`);
  });
});
