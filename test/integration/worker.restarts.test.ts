import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
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
const messages = generateMessages(COUNT);
const expected = expectedState(messages);

describe('worker restarts under load', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  test('SIGKILL one of two workers mid-run and start it again: still exact, nothing lost', async () => {
    const [victim, survivor] = await Promise.all([spawnWorker(harness), spawnWorker(harness)]);
    const publishing = publish(harness, messages);
    // Mid-run: some of the load written, most still to come.
    await until(() => backlog(harness) > 0 && backlog(harness) < COUNT * 0.7, 'the run to be under way');
    victim.child.kill('SIGKILL');
    assert.equal(await victim.exited, null);
    const restarted = await spawnWorker(harness);
    await publishing;
    await until(() => backlog(harness) === 0, 'the subscription to drain');
    const stops = await Promise.all([survivor, restarted].map(terminate));
    assert.deepEqual(
      stops.map((s) => s.code),
      [0, 0],
    );
    assertExact(await readState(harness.database), expected);
  });

  test('SIGTERM during load: the worker drains and exits 0 within 10 s, and no message is lost', async () => {
    const first = await spawnWorker(harness);
    const publishing = publish(harness, messages);
    await until(() => backlog(harness) > 0 && backlog(harness) < COUNT * 0.7, 'the run to be under way');
    const { code, ms } = await terminate(first);
    assert.equal(code, 0);
    assert.ok(ms < 10_000, `drained in ${ms} ms`);
    const stopped = await first.waitForLog('worker stopped');
    assert.equal(stopped['source.in_flight'], 0, 'nothing left in flight');
    const second = await spawnWorker(harness);
    await publishing;
    await until(() => backlog(harness) === 0, 'the subscription to drain');
    assert.equal((await terminate(second)).code, 0);
    assertExact(await readState(harness.database), expected);
  });
});
