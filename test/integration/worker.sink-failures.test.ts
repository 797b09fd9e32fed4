import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { ProcessedSpy } from '../../streaming/pipeline/processed-spy.ts';
import { DuckDBSink } from '../../streaming/sinks/duckdb-sink.ts';
import { FaultySink } from '../helpers/faulty-sink.ts';
import { startWorker, type RunningWorker } from '../../streaming/worker.ts';
import { assertExact, backlog, expectedState, generateMessages, publish, readState, startHarness, until, type Harness } from '../helpers/worker-harness.ts';

const COUNT = 5000;

describe('sink failure injection', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.close();
  });

  test('writes failing transiently for a while: messages are nacked, come back, and the final state is exact', async () => {
    const messages = generateMessages(COUNT, 11);
    const sink = new FaultySink(new DuckDBSink({ path: harness.database, lockTimeoutMs: 10_000 }));
    const spy = new ProcessedSpy();
    const worker: RunningWorker = await startWorker(
      {
        mode: 'pull',
        projectId: harness.projectId,
        subscription: harness.subscription,
        maxMessages: 1000,
        maxBytes: 64 << 20,
        streams: 1,
        limits: { maxMessages: 1e9, maxRows: 2000, maxBytes: 8 << 20, maxAgeMs: 50, maxInFlight: 2 },
        dedupeCapacity: 100_000,
        host: '127.0.0.1',
        port: 0,
        statsIntervalMs: 60_000,
        drainTimeoutMs: 5000,
      },
      { sink, spy, logger: createLogger({ level: 'warn' }) },
    );
    try {
      const publishing = publish(harness, messages);
      // Healthy first, then every write fails for 1.5 s once messages are flowing.
      await spy.waitFor((event) => event.outcome.kind === 'ack', 100);
      sink.plan = { failUntil: Date.now() + 1500 };
      const nacked = await spy.waitFor((event) => event.outcome.kind === 'nack', 200);
      assert.ok(nacked.every((event) => event.outcome.kind === 'nack' && event.outcome.error.name === 'TransientWriteError'));
      await publishing;
      await until(() => backlog(harness) === 0, 'the subscription to drain');
      // Every nacked message came back and was settled later.
      const settled = new Set(spy.events.filter((event) => event.outcome.kind !== 'nack').map((event) => event.messageId));
      assert.ok(
        nacked.every((event) => settled.has(event.messageId)),
        'every nacked message was redelivered and settled',
      );
    } finally {
      await worker.stop();
    }
    assert.ok(sink.failures > 0);
    assert.ok(worker.stats.nacked >= 200);
    assertExact(await readState(harness.database), expectedState(messages));
  });
});
