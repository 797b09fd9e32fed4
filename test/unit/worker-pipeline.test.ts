import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { InboundMessage } from '../../streaming/pipeline/message.ts';
import { MicroBatcher } from '../../streaming/pipeline/micro-batcher.ts';
import { Pipeline } from '../../streaming/pipeline/pipeline.ts';
import { ProcessedSpy } from '../../streaming/pipeline/processed-spy.ts';
import { RecentIds } from '../../streaming/pipeline/recent-ids.ts';
import { WorkerStats } from '../../streaming/pipeline/stats.ts';
import { FaultySink, type FaultPlan } from '../helpers/faulty-sink.ts';
import { MemorySink } from '../helpers/memory-sink.ts';
import type { RowSink } from '../../streaming/sinks/sink.ts';
import { validateMessage } from '../../common/contract/validate.ts';
import { DEAD_LETTER_PAYLOAD_CAP, deadLetter } from '../../streaming/pipeline/dead-letter.ts';
import { split } from '../../streaming/pipeline/split.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createdEvent, updatedEvent } from '../fixtures/events.ts';
import { processMessage } from '../helpers/process-message.ts';

let ids = 0;
const message = (body: unknown): InboundMessage => ({
  id: `m${++ids}`,
  data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  attributes: { source: 'test' },
  publishTime: new Date('2026-11-20T10:00:01Z'),
});

function pipeline(plan: FaultPlan = {}, limits = { maxMessages: 1e9, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 5, maxInFlight: 2 }) {
  const memory = new MemorySink();
  const sink = new FaultySink(memory, plan);
  const stats = new WorkerStats();
  const spy = new ProcessedSpy();
  return { memory, sink, stats, spy, pipeline: new Pipeline({ sink, limits, dedupeCapacity: 100, stats, spy }) };
}

describe('pipeline', () => {
  test('a valid message is acked after its rows for all three tables are written', async () => {
    const { pipeline: p, memory } = pipeline();
    assert.deepEqual(await processMessage(p, message(createdEvent())), { kind: 'ack', reason: 'written' });
    assert.deepEqual(
      [memory.tables.orders.length, memory.tables.order_items.length, memory.tables.order_payments.length, memory.tables.dead_letter.length],
      [1, 2, 1, 0],
    );
  });

  test('an invalid message becomes a dead-letter row with its payload and every reason, then is acked', async () => {
    const { pipeline: p, memory, stats } = pipeline();
    const outcome = await processMessage(p, message('{"event_id": "x"'));
    assert.deepEqual(outcome, { kind: 'dead-letter', errorCode: 'not_json' });
    assert.equal(memory.tables.dead_letter.length, 1);
    assert.equal(memory.tables.dead_letter[0]!.payload, '{"event_id": "x"');
    assert.equal(memory.tables.orders.length, 0);
    assert.equal(stats.invalid, 1);
  });

  test('duplicates are acked without writing, whether the first copy is written or still in its batch', async () => {
    const { pipeline: p, memory, stats } = pipeline();
    const together = await Promise.all([processMessage(p, message(createdEvent())), processMessage(p, message(createdEvent()))]);
    assert.deepEqual(together.map((o) => o.kind === 'ack' && o.reason).sort(), ['duplicate', 'written']);
    assert.deepEqual(await processMessage(p, message(createdEvent())), { kind: 'ack', reason: 'duplicate' });
    assert.equal(memory.tables.orders.length, 1);
    assert.equal(stats.duplicatesDropped, 2);
    // Another event of the same order is not a duplicate.
    assert.deepEqual(await processMessage(p, message(updatedEvent())), { kind: 'ack', reason: 'written' });
  });

  test('a transient write failure nacks every message of the batch, and the redelivery is written', async () => {
    const { pipeline: p, memory, stats } = pipeline({ failNext: 1 }, { maxMessages: 1e9, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 20, maxInFlight: 2 });
    const second = { ...updatedEvent(), event_id: 'evt-0003' };
    const first = await Promise.all([processMessage(p, message(createdEvent())), processMessage(p, message('nope')), processMessage(p, message(second))]);
    assert.deepEqual(
      first.map((o) => o.kind),
      ['nack', 'nack', 'nack'],
    );
    assert.equal(memory.writes, 0);
    assert.equal(stats.nacked, 3);
    // The failed event id was not remembered: its redelivery is written, not dropped as a duplicate.
    assert.deepEqual(await processMessage(p, message(createdEvent())), { kind: 'ack', reason: 'written' });
    assert.equal(memory.tables.orders.length, 1);
  });

  test('a copy that arrived while the first copy was written, and that write failed, is written itself', async () => {
    const { pipeline: p, memory, stats } = pipeline({ failNext: 1 }, { maxMessages: 1, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 20, maxInFlight: 1 });
    const outcomes = await Promise.all([processMessage(p, message(createdEvent())), processMessage(p, message(createdEvent()))]);
    assert.deepEqual(outcomes, [
      { kind: 'nack', error: (outcomes[0] as { error: Error }).error },
      { kind: 'ack', reason: 'written' },
    ]);
    assert.equal(memory.tables.orders.length, 1);
    assert.equal(stats.duplicatesDropped, 0);
  });

  test('a message whose rows are refused for good is dead-lettered with the reason and acked; the others are written', async () => {
    const refused = createdEvent().order.order_id;
    const other = { ...createdEvent(), event_id: 'evt-9', order: { ...createdEvent().order, order_id: 'b'.repeat(32) } };
    const { pipeline: p, memory } = pipeline({
      reject: (table, row) => (table === 'order_items' && row.order_id === refused ? 'price out of range' : undefined),
    });
    const outcomes = await Promise.all([processMessage(p, message(createdEvent())), processMessage(p, message(other))]);
    assert.deepEqual(outcomes, [
      { kind: 'dead-letter', errorCode: 'write_rejected' },
      { kind: 'ack', reason: 'written' },
    ]);
    const [row] = memory.tables.dead_letter;
    assert.equal(row!.error_code, 'write_rejected');
    assert.equal(row!.event_id, 'evt-0001');
    assert.match(JSON.stringify(row!.errors), /order_items row refused: price out of range/);
    assert.deepEqual(
      memory.tables.order_items.map((r) => r.order_id),
      ['b'.repeat(32), 'b'.repeat(32)],
    );
  });

  test('a refused dead-letter row is nacked (left to Pub/Sub retries and its dead-letter topic)', async () => {
    const { pipeline: p } = pipeline({ reject: (table) => (table === 'dead_letter' ? 'too large' : undefined) });
    const outcome = await processMessage(p, message('nope'));
    assert.equal(outcome.kind, 'nack');
  });

  test('a write refused for good is bisected: only the refused messages become write_rejected dead letters, the rest are written', async () => {
    const poison = new Set(['c'.repeat(32), 'd'.repeat(32), 'e'.repeat(32)]);
    const orderIds = Array.from({ length: 40 }, (_, i) =>
      i === 3 ? 'c'.repeat(32) : i === 17 ? 'd'.repeat(32) : i === 39 ? 'e'.repeat(32) : i.toString(16).padStart(32, '0'),
    );
    const {
      pipeline: p,
      memory,
      sink,
      stats,
    } = pipeline(
      { refuse: (table, row) => (table === 'orders' && poison.has(row.order_id as string) ? 'Invalid Input Error: no low surrogate in string' : undefined) },
      { maxMessages: 40, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 60_000, maxInFlight: 1 },
    );
    const events = orderIds.map((order_id, i) => ({ ...createdEvent(), event_id: `evt-b${i}`, order: { ...createdEvent().order, order_id } }));
    const outcomes = await Promise.all(events.map((e) => processMessage(p, message(e))));
    outcomes.forEach((outcome, i) =>
      assert.deepEqual(
        outcome,
        poison.has(orderIds[i]!) ? { kind: 'dead-letter', errorCode: 'write_rejected' } : { kind: 'ack', reason: 'written' },
        `message ${i}`,
      ),
    );
    assert.deepEqual(memory.tables.orders.map((r) => r.order_id).sort(), orderIds.filter((id) => !poison.has(id)).sort());
    assert.deepEqual(
      memory.tables.dead_letter.map((r) => [r.event_id, r.error_code]),
      [
        ['evt-b3', 'write_rejected'],
        ['evt-b17', 'write_rejected'],
        ['evt-b39', 'write_rejected'],
      ],
    );
    assert.match(JSON.stringify(memory.tables.dead_letter[0]!.errors), /no low surrogate in string/);
    // Bisection, not one write per message: 3 refused in 40 take far fewer than 40 refusals.
    assert.ok(sink.refusals <= 3 * Math.ceil(Math.log2(40)) + 1, `${sink.refusals} refused writes`);
    assert.deepEqual([stats.acked, stats.nacked, stats.inFlight, stats.refused, stats.deadLettered], [40, 0, 0, 3, 3]);
  });

  test('a refused batch of one message is that message dead-lettered at once', async () => {
    const { pipeline: p, memory } = pipeline({ refuse: (table) => (table === 'orders' ? 'Conversion Error: nope' : undefined) });
    assert.deepEqual(await processMessage(p, message(createdEvent())), { kind: 'dead-letter', errorCode: 'write_rejected' });
    assert.equal(memory.tables.dead_letter[0]!.payload, JSON.stringify(createdEvent()));
  });

  test('an invalid message whose dead-letter row is refused is stored again with its payload as base64 and the refusal added', async () => {
    const { pipeline: p, memory } = pipeline({
      refuse: (table, row) => (table === 'dead_letter' && row.payload !== null ? 'Invalid Input Error: cannot store the text' : undefined),
    });
    assert.deepEqual(await processMessage(p, message('nope')), { kind: 'dead-letter', errorCode: 'not_json' });
    const [row] = memory.tables.dead_letter;
    assert.equal(row!.payload, null);
    assert.equal(Buffer.from(row!.payload_base64 as string, 'base64').toString(), 'nope');
    assert.deepEqual(
      (row!.errors as { code: string }[]).map((e) => e.code),
      ['not_json', 'write_rejected'],
    );
  });

  test('a refused message whose dead-letter row cannot be written either is nacked, not lost', async () => {
    const { pipeline: p, stats } = pipeline({ refuse: () => 'Invalid Input Error: refuses everything' });
    const outcome = await processMessage(p, message(createdEvent()));
    assert.equal(outcome.kind, 'nack');
    assert.deepEqual([stats.received, stats.acked, stats.nacked, stats.inFlight], [1, 0, 1, 0]);
  });

  test('a stage that throws dead-letters that message alone as stage:<name> with the error text; its batch is written', async () => {
    const memory = new MemorySink();
    const stats = new WorkerStats();
    const stages = {
      validate: validateMessage,
      split: ((event, flags, m, at) => {
        if (event.event_id === 'evt-boom') throw new RangeError('boom in split');
        return split(event, flags, m, at);
      }) as typeof split,
    };
    const p = new Pipeline({
      sink: memory,
      limits: { maxMessages: 2, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 60_000, maxInFlight: 1 },
      dedupeCapacity: 100,
      stats,
      stages,
    });
    const outcomes = await Promise.all([processMessage(p, message({ ...createdEvent(), event_id: 'evt-boom' })), processMessage(p, message(createdEvent()))]);
    assert.deepEqual(outcomes, [
      { kind: 'dead-letter', errorCode: 'stage:split' },
      { kind: 'ack', reason: 'written' },
    ]);
    assert.deepEqual(
      memory.tables.dead_letter.map((r) => [r.error_code, r.event_id, (r.errors as { message: string }[])[0]!.message]),
      [['stage:split', 'evt-boom', 'RangeError: boom in split']],
    );
    assert.equal(memory.tables.orders.length, 1);
    const throwing = new Pipeline({
      sink: memory,
      limits: { maxMessages: 1, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 5, maxInFlight: 1 },
      dedupeCapacity: 100,
      stats: new WorkerStats(),
      stages: {
        validate: () => {
          throw new TypeError('boom in validate');
        },
        split,
      },
    });
    assert.deepEqual(await processMessage(throwing, message(createdEvent())), { kind: 'dead-letter', errorCode: 'stage:validate' });
  });

  test('a failed batch logs one warning with the reason and its message count; stats add up', async () => {
    const lines: { fields: Record<string, unknown>; text: string }[] = [];
    const logger = { warn: (fields: Record<string, unknown>, text: string) => lines.push({ fields, text }), error: () => assert.fail('no error expected') };
    const memory = new MemorySink();
    const stats = new WorkerStats();
    const p = new Pipeline({
      sink: new FaultySink(memory, { failNext: 1 }),
      limits: { maxMessages: 3, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 60_000, maxInFlight: 1 },
      dedupeCapacity: 100,
      stats,
      logger: logger as never,
    });
    const outcomes = await Promise.all([createdEvent(), updatedEvent(), 'nope'].map((body) => processMessage(p, message(body))));
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['nack', 'nack', 'nack'],
    );
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.fields.messages, 3);
    assert.match(String(lines[0]!.fields.error), /injected transient write failure/);
    assert.match(lines[0]!.text, /batch of 3 messages failed/);
    assert.deepEqual([stats.received, stats.acked + stats.nacked + stats.inFlight, stats.nacked, stats.failedBatches], [3, 3, 3, 1]);
  });

  test('a dead letter above the size cap keeps the first 1 MiB, the full size and sha256; the whole payload is in the store under its message id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orderflow-dl-'));
    const memory = new MemorySink();
    const p = new Pipeline({
      sink: memory,
      limits: { maxMessages: 1, maxRows: 1000, maxBytes: 1 << 30, maxAgeMs: 5, maxInFlight: 1 },
      dedupeCapacity: 100,
      stats: new WorkerStats(),
      payloadStore: new DirectoryStore(dir),
    });
    // Handed case 4 of issue 15: 8,000,000 bytes that are not UTF-8.
    const data = Buffer.alloc(8_000_000, 0xff);
    const m = { ...message('x'), data };
    assert.deepEqual(await processMessage(p, m), { kind: 'dead-letter', errorCode: 'not_utf8' });
    const [row] = memory.tables.dead_letter;
    assert.equal(row!.payload, null);
    assert.equal(Buffer.from(row!.payload_base64 as string, 'base64').length, DEAD_LETTER_PAYLOAD_CAP);
    assert.deepEqual([row!.payload_bytes, row!.payload_truncated, row!.payload_sha256], [8_000_000, true, createHash('sha256').update(data).digest('hex')]);
    assert.equal(row!.payload_uri, join(dir, 'dead-letters', m.id));
    assert.ok((await readFile(row!.payload_uri as string)).equals(data));
    await rm(dir, { recursive: true, force: true });
  });

  test('a truncated UTF-8 payload ends on a character boundary; a small one is kept whole with its size and sha256', async () => {
    const { pipeline: p, memory } = pipeline();
    await processMessage(p, message('nope'));
    assert.deepEqual(
      [
        memory.tables.dead_letter[0]!.payload,
        memory.tables.dead_letter[0]!.payload_bytes,
        memory.tables.dead_letter[0]!.payload_truncated,
        memory.tables.dead_letter[0]!.payload_uri,
      ],
      ['nope', 4, false, null],
    );
    const text = `{"ab":"${'é'.repeat(600_000)}`; // 1.2 MB, not JSON; 'é' is 2 bytes, the cap falls inside one
    const row = deadLetter({ ...message('x'), data: Buffer.from(text) }, 'not_json', [], new Date());
    assert.equal(Buffer.byteLength(row.payload as string), DEAD_LETTER_PAYLOAD_CAP - 1);
    assert.ok(text.startsWith(row.payload as string));
  });

  test('without a payload store a dead letter above the cap is nacked, not stored cut short', async () => {
    const { pipeline: p } = pipeline({}, { maxMessages: 1, maxRows: 1000, maxBytes: 1 << 30, maxAgeMs: 5, maxInFlight: 1 });
    const outcome = await processMessage(p, { ...message('x'), data: Buffer.alloc(2 << 20, 0xff) });
    assert.equal(outcome.kind, 'nack');
  });

  test('a message with more violations than a row keeps lists the first 100 and counts the rest', () => {
    const errors = Array.from({ length: 250 }, (_, i) => ({ code: 'schema' as const, path: `/items/${i}`, message: 'bad' }));
    const row = deadLetter(message('x'), 'schema', errors, new Date());
    const kept = row.errors as { message: string }[];
    assert.equal(kept.length, 101);
    assert.equal(kept[100]!.message, 'and 150 more violations');
  });

  test('after drain() buffered messages are written and later ones nacked', async () => {
    const { pipeline: p, memory } = pipeline({}, { maxMessages: 1e9, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 60_000, maxInFlight: 1 });
    const pending = processMessage(p, message(createdEvent()));
    await p.drain();
    assert.deepEqual(await pending, { kind: 'ack', reason: 'written' });
    assert.equal(memory.tables.orders.length, 1);
    const late = await processMessage(p, message(updatedEvent()));
    assert.equal(late.kind === 'nack' && late.error.name, 'DrainingError');
  });

  test('once its batch is handed to the sink, the pipeline holds none of its rows while the write is pending', async () => {
    // The rows of a message waiting for its commit and ack would otherwise outlive V8's young generation.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let handedOver: WeakRef<object> | undefined;
    let commit: () => void = () => assert.fail('no write');
    const sink: RowSink = {
      write: (batch) => {
        handedOver = new WeakRef(batch.orders[0]!);
        return new Promise((resolve) => (commit = () => resolve({ rejected: [] })));
      },
      close: async () => {},
    };
    const p = new Pipeline({
      sink,
      limits: { maxMessages: 1, maxRows: 1000, maxBytes: 1 << 20, maxAgeMs: 5, maxInFlight: 1 },
      dedupeCapacity: 100,
      stats: new WorkerStats(),
    });
    const outcome = processMessage(p, message(createdEvent()));
    // A WeakRef's target lives at least until the job that made it ends: collect in a later one.
    do await new Promise((resolve) => setImmediate(resolve));
    while (!handedOver);
    gc();
    assert.equal(handedOver.deref(), undefined, 'the order row is still reachable while its write is pending');
    commit();
    assert.deepEqual(await outcome, { kind: 'ack', reason: 'written' });
  });

  test('the spy resolves waits for past and future messages', async () => {
    const { pipeline: p, spy } = pipeline();
    const m = message(createdEvent());
    const waiting = spy.waitForMessage(m.id);
    await processMessage(p, m);
    assert.deepEqual((await waiting).outcome, { kind: 'ack', reason: 'written' });
    assert.equal((await spy.waitFor((e) => e.eventId === 'evt-0001')).length, 1);
  });
});

describe('micro-batcher', () => {
  /** add() as a promise of the entry's result. */
  const added = <T, R>(batcher: MicroBatcher<T, R>, item: T, size: { rows: number; bytes: number }) =>
    new Promise<R>((resolve, reject) => batcher.add(item, size, (error, result) => (error ? reject(error) : resolve(result!))));
  const recorder = () => {
    const batches: number[][] = [];
    return {
      batches,
      write: async (items: number[]) => {
        batches.push(items);
        return items.map((i) => i * 10);
      },
    };
  };

  test('flushes when the row limit is reached, and resolves each entry with its own result', async () => {
    const { batches, write } = recorder();
    const batcher = new MicroBatcher({ maxMessages: 1e9, maxRows: 6, maxBytes: 1e9, maxAgeMs: 60_000, maxInFlight: 1 }, write);
    const results = await Promise.all([1, 2, 3].map((i) => added(batcher, i, { rows: 2, bytes: 1 })));
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  test('flushes when the message limit is reached', async () => {
    const { batches, write } = recorder();
    const batcher = new MicroBatcher({ maxMessages: 2, maxRows: 1e9, maxBytes: 1e9, maxAgeMs: 60_000, maxInFlight: 1 }, write);
    await Promise.all([1, 2].map((i) => added(batcher, i, { rows: 1, bytes: 1 })));
    assert.deepEqual(batches, [[1, 2]]);
  });

  test('flushes when the byte limit is reached', async () => {
    const { batches, write } = recorder();
    const batcher = new MicroBatcher({ maxMessages: 1e9, maxRows: 1e9, maxBytes: 100, maxAgeMs: 60_000, maxInFlight: 1 }, write);
    await Promise.all([added(batcher, 1, { rows: 1, bytes: 60 }), added(batcher, 2, { rows: 1, bytes: 60 })]);
    assert.deepEqual(batches, [[1, 2]]);
  });

  test('flushes on age, and fills the next batch while one is written', async () => {
    const { batches, write } = recorder();
    const batcher = new MicroBatcher({ maxMessages: 1e9, maxRows: 1e9, maxBytes: 1e9, maxAgeMs: 10, maxInFlight: 1 }, write);
    const first = added(batcher, 1, { rows: 1, bytes: 1 });
    assert.equal(batcher.pending, 1);
    await first;
    await Promise.all([added(batcher, 2, { rows: 1, bytes: 1 }), added(batcher, 3, { rows: 1, bytes: 1 })]);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  test('writes up to maxInFlight batches at once; a full batch waits for one to finish', async () => {
    const started: number[][] = [];
    const finish: (() => void)[] = [];
    const batcher = new MicroBatcher<number, number>({ maxMessages: 1, maxRows: 1e9, maxBytes: 1e9, maxAgeMs: 60_000, maxInFlight: 2 }, (items) => {
      started.push(items);
      return new Promise((resolve) => finish.push(() => resolve(items)));
    });
    const results = [1, 2, 3].map((i) => added(batcher, i, { rows: 1, bytes: 1 }));
    assert.deepEqual(started, [[1], [2]]);
    assert.equal(batcher.pending, 1);
    finish[1]!(); // the second write ends first: its slot goes to the waiting batch
    assert.equal(await results[1], 2);
    await new Promise(setImmediate); // the write's slot is released after its entries resolve
    assert.deepEqual(started, [[1], [2], [3]]);
    finish[0]!();
    finish[2]!();
    assert.deepEqual(await Promise.all(results), [1, 2, 3]);
    await batcher.flush();
  });

  test('a write that throws fails every entry of its batch', async () => {
    const batcher = new MicroBatcher<number, number>({ maxMessages: 1e9, maxRows: 2, maxBytes: 1e9, maxAgeMs: 60_000, maxInFlight: 1 }, async () => {
      throw new Error('boom');
    });
    const results = await Promise.allSettled([added(batcher, 1, { rows: 1, bytes: 1 }), added(batcher, 2, { rows: 1, bytes: 1 })]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
  });
});

describe('recent event ids', () => {
  test('keeps the most recently seen ids up to its capacity', () => {
    const recent = new RecentIds(2);
    recent.add('a');
    recent.add('b');
    assert.equal(recent.has('a'), true); // refreshes a: b is now the oldest
    recent.add('c');
    assert.deepEqual([recent.has('a'), recent.has('b'), recent.has('c'), recent.size], [true, false, true, 2]);
  });
});
