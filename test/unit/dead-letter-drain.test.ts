import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { DeadLetterDrain } from '../../streaming/dead-letters/drain.ts';
import { exhaustedRow, originalAttributes } from '../../streaming/dead-letters/exhausted.ts';
import { FaultySink } from '../helpers/faulty-sink.ts';
import { MemorySink } from '../helpers/memory-sink.ts';
import { processMessage } from '../helpers/process-message.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const message = (id: string, attributes: Record<string, string>) => ({ id, data: Buffer.from('{"event_id":"e-1"}'), attributes, publishTime: NOW });
const limits = { maxMessages: 10, maxRows: 100, maxBytes: 1 << 20, maxAgeMs: 1, maxInFlight: 1 };

test("exhaustedRow: Pub/Sub's dead-letter attributes become the source columns, the rest stay the message's", () => {
  const row = exhaustedRow(
    message('m1', {
      event_id: 'e-1',
      CloudPubSubDeadLetterSourceSubscription: 'orders-worker',
      CloudPubSubDeadLetterSourceSubscriptionProject: 'p',
      CloudPubSubDeadLetterSourceDeliveryCount: '10',
      CloudPubSubDeadLetterSourceTopicPublishTime: '2026-11-20T10:00:00.5Z',
    }),
    NOW,
  );
  assert.deepEqual(row.attributes, [{ key: 'event_id', value: 'e-1' }]);
  assert.deepEqual(
    [row.error_code, row.event_id, row.source_subscription, row.source_delivery_count, row.source_publish_time],
    ['delivery_exhausted', 'e-1', 'projects/p/subscriptions/orders-worker', 10, BigInt(Date.parse('2026-11-20T10:00:00.5Z')) * 1000n],
  );
  // The payload is not a valid event: its schema reasons follow the first one.
  assert.deepEqual((row.errors as { code: string }[]).map((e) => e.code).slice(0, 2), ['delivery_exhausted', 'schema']);
  // Without Pub/Sub's attributes (published there by hand): still a row, the source unknown.
  const bare = exhaustedRow(message('m2', { CloudPubSubDeadLetterSourceDeliveryCount: 'many' }), NOW);
  assert.deepEqual([bare.source_subscription, bare.source_delivery_count, bare.source_publish_time, bare.attributes], [null, null, null, []]);
  assert.deepEqual(originalAttributes({ a: '1', CloudPubSubDeadLetterSourceSubscription: 's' }), { a: '1' });
});

test('the drain nacks when its write fails and dead-letters (acks) once the row is durable', async () => {
  const memory = new MemorySink();
  const drain = new DeadLetterDrain({ sink: new FaultySink(memory, { failNext: 1 }), limits, logger: createLogger({ level: 'silent' }) });
  const first = await processMessage(drain, message('m1', {}));
  assert.equal(first.kind, 'nack');
  assert.equal(memory.tables.dead_letter.length, 0);
  const second = await processMessage(drain, message('m1', {}));
  assert.deepEqual(second, { kind: 'dead-letter', errorCode: 'delivery_exhausted' });
  assert.deepEqual(
    memory.tables.dead_letter.map((r) => r.message_id),
    ['m1'],
  );
  assert.deepEqual(drain.counts, { received: 2, written: 1, nacked: 1 });
});

test('a dead-letter row the warehouse refuses is nacked, not acked', async () => {
  const memory = new MemorySink();
  const drain = new DeadLetterDrain({ sink: new FaultySink(memory, { reject: () => 'too large' }), limits, logger: createLogger({ level: 'silent' }) });
  const outcome = await processMessage(drain, message('m1', {}));
  assert.equal(outcome.kind, 'nack');
  assert.match(outcome.kind === 'nack' ? outcome.error.message : '', /too large/);
});
