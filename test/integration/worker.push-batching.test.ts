import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { MemorySink } from '../helpers/memory-sink.ts';
import { startWorker, type RunningWorker } from '../../streaming/worker.ts';
import { createdEvent } from '../fixtures/events.ts';
import { pushWorkerConfig } from '../helpers/push-worker-config.ts';

// An age limit far beyond the test's timeout: a request answered in time was flushed by another rule.
const MAX_AGE_MS = 120_000;

const envelope = (i: number) =>
  JSON.stringify({
    message: {
      data: Buffer.from(JSON.stringify({ ...createdEvent(), event_id: `evt-all-in-${i}` })).toString('base64'),
      messageId: `all-in-${i}`,
      publishTime: '2026-11-20T10:00:01.000Z',
    },
    subscription: 'projects/p/subscriptions/orders-push',
  });

describe('push mode micro-batches', () => {
  let worker: RunningWorker;
  const memory = new MemorySink();
  // A connection a request, closed once answered: every open connection then has its request in
  // the batch or answered (a kept-alive idle one would be where a next request may come from, and
  // hold the batch to its age limit, by design).
  const agent = new Agent({ keepAlive: false, maxSockets: 16 });
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const call = request(
        { host: '127.0.0.1', port: worker.address.port, method: 'POST', path: '/', agent, headers: { 'content-type': 'application/json' } },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode!));
        },
      );
      call.on('error', reject);
      call.end(body);
    });

  before(async () => {
    worker = await startWorker(pushWorkerConfig({ limits: { maxMessages: 1e9, maxRows: 1e9, maxBytes: 1 << 30, maxAgeMs: MAX_AGE_MS, maxInFlight: 2 } }), {
      sink: memory,
      logger: createLogger({ level: 'silent' }),
    });
  });
  after(async () => {
    agent.destroy();
    await worker.stop();
  });

  test('with N open requests all in the batch, it is written without waiting for the age limit', { timeout: 20_000 }, async () => {
    const statuses = await Promise.all(Array.from({ length: 16 }, (_, i) => post(envelope(i))));
    assert.deepEqual(statuses, Array(16).fill(204));
    assert.equal(memory.tables.orders.length, 16);
  });
});
