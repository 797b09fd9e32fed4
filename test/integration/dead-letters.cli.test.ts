import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import type { GeneratedMessage } from '../../generator/stream.ts';
import { exhaustedRow } from '../../streaming/dead-letters/exhausted.ts';
import { deadLetter } from '../../streaming/pipeline/dead-letter.ts';
import { DuckDBSink } from '../../streaming/sinks/duckdb-sink.ts';
import { startWorker } from '../../streaming/worker.ts';
import { runCli } from '../helpers/cli.ts';
import { schemaChecksums } from '../helpers/mart-checksum.ts';
import { backlog, generateMessages, startHarness, until, type Harness } from '../helpers/worker-harness.ts';

const T1 = new Date('2026-11-21T08:00:00Z');
const T2 = new Date('2026-11-22T08:00:00Z');
const SEED = 31;

/** Pub/Sub's forwarded copy of a message it gave up on, as the dead-letter subscription delivers it. */
const forwarded = (message: GeneratedMessage, id: string, projectId: string) => ({
  id,
  data: message.data,
  publishTime: T1,
  orderingKey: message.orderingKey,
  attributes: {
    ...message.attributes,
    CloudPubSubDeadLetterSourceSubscription: 'orders-worker',
    CloudPubSubDeadLetterSourceSubscriptionProject: projectId,
    CloudPubSubDeadLetterSourceDeliveryCount: '10',
  },
});

describe('orderflow dead-letters list|replay (DuckDB)', () => {
  let harness: Harness;
  let dir: string;
  let exhausted: GeneratedMessage[];
  const env = () => ({ PUBSUB_EMULATOR_HOST: harness.emulator.address });
  const cli = (args: string[]) => runCli(['dead-letters', ...args, '--database', harness.database, '--project', harness.projectId], { env: env() });
  const summaryOf = (stdout: Buffer) => JSON.parse(stdout.toString('utf8').trim().split('\n').at(-1)!);
  const query = (sql: string) => withDuckDBFile(harness.database, async (c) => (await c.runAndReadAll(sql)).getRowObjectsJson());

  /** Runs a worker (a fresh process's dedupe cache) until the main subscription is empty. */
  async function consume(): Promise<void> {
    const worker = await startWorker(
      {
        mode: 'pull',
        projectId: harness.projectId,
        subscription: harness.subscription,
        maxMessages: 100,
        maxBytes: 64 << 20,
        streams: 1,
        limits: { maxMessages: 50, maxRows: 1000, maxBytes: 8 << 20, maxAgeMs: 10, maxInFlight: 2 },
        dedupeCapacity: 1000,
        host: '127.0.0.1',
        port: 0,
        statsIntervalMs: 60_000,
        drainTimeoutMs: 5000,
      },
      { sink: new DuckDBSink({ path: harness.database, lockTimeoutMs: 10_000 }), logger: createLogger({ level: 'silent' }) },
    );
    try {
      await until(() => worker.stats.acked >= 1 && backlog(harness) === 0, 'the replayed messages to be written', 30_000);
    } finally {
      await worker.stop();
    }
  }

  before(async () => {
    harness = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'orderflow-dead-letters-'));
    // Three valid orders Pub/Sub gave up on (the warehouse was down), two invalid messages, and a
    // dead-letter row written twice (at least once): the state replay starts from.
    const messages = generateMessages(300, SEED);
    exhausted = messages.filter((m) => m.kind === 'created').slice(0, 3);
    const invalid = messages.filter((m) => m.kind === 'invalid').slice(0, 2);
    assert.equal(invalid.length, 2, 'the seed yields two invalid messages');
    const rows = [
      ...exhausted.map((m, i) => exhaustedRow(forwarded(m, `dlq-${i + 1}`, harness.projectId), T1)),
      ...invalid.map((m, i) =>
        deadLetter(
          { id: `inv-${i + 1}`, data: m.data, attributes: m.attributes, publishTime: T2 },
          m.expectedError!,
          [{ code: m.expectedError!, path: '', message: 'bad' }],
          T2,
        ),
      ),
    ];
    rows.push({ ...rows[0]! });
    const sink = new DuckDBSink({ path: harness.database, lockTimeoutMs: 10_000 });
    await sink.write({ orders: [], order_items: [], order_payments: [], dead_letter: rows });
    await sink.close();
  });
  after(async () => {
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('list filters by code, time and message id, one row per message; table, JSON and CSV', async () => {
    const json = async (args: string[]) => {
      const result = await cli(['list', ...args, '--format', 'json']);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout
        .toString('utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    };
    const all = await json([]);
    assert.deepEqual(
      all.map((r) => r.message_id),
      ['dlq-1', 'dlq-2', 'dlq-3', 'inv-1', 'inv-2'],
      'the row written twice is listed once',
    );
    assert.deepEqual(
      (await json(['--code', 'delivery_exhausted'])).map((r) => r.message_id),
      ['dlq-1', 'dlq-2', 'dlq-3'],
    );
    assert.equal(
      (await json(['--code', 'delivery_exhausted,schema,not_json,not_utf8,not_object'])).length,
      3 + all.filter((r) => r.error_code !== 'delivery_exhausted' && !r.error_code.startsWith('rule:')).length,
    );
    assert.deepEqual(
      (await json(['--since', '2026-11-22T00:00:00Z'])).map((r) => r.message_id),
      ['inv-1', 'inv-2'],
    );
    assert.deepEqual(
      (await json(['--until', '2026-11-22T00:00:00Z'])).map((r) => r.message_id),
      ['dlq-1', 'dlq-2', 'dlq-3'],
    );
    assert.deepEqual(
      (await json(['--message-id', 'dlq-2', '--message-id', 'inv-1'])).map((r) => r.message_id),
      ['dlq-2', 'inv-1'],
    );
    assert.deepEqual(await json(['--message-id', "it's-none"]), [], 'a quote in a value is data, not SQL');
    const [first] = all;
    assert.equal(first.received_at, '2026-11-21 08:00:00.000000');
    assert.equal(first.source_subscription, `projects/${harness.projectId}/subscriptions/orders-worker`);
    assert.equal(first.source_delivery_count, '10');
    assert.equal(first.payload, exhausted[0]!.data.toString('utf8'));

    const csv = await cli(['list', '--code', 'delivery_exhausted', '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.toString('utf8').trim().split('\n');
    assert.match(lines[0]!, /^message_id,received_at,error_code,event_id,/);
    const table = await cli(['list', '--code', 'delivery_exhausted']);
    assert.match(table.stdout.toString('utf8'), /dlq-3 .*delivery_exhausted.*\n\(3 rows\)\n$/);

    const bad = await cli(['list', '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'orderflow: --since must be an RFC 3339 time such as 2026-11-20T00:00:00Z, got yesterday (see --help)');
    // A code no dead letter can carry is a typo, not an empty selection (it listed 0 rows).
    const typo = await cli(['list', '--code', 'schema,bogus']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr.trim(), /^orderflow: --code bogus: not a dead-letter code; one of not_utf8, .*delivery_exhausted.* \(see --help\)$/);
  });

  test('replay: --dry-run publishes nothing; a replay is recorded and a second one is a no-op; --again leaves the facts exact', async () => {
    const dims = join(dir, 'dims');
    const snapshot = await runCli(['snapshot', '--dims', dims, '--seed', String(SEED)]);
    assert.equal(snapshot.code, 0, snapshot.stderr);
    const batch = async () => {
      const result = await runCli([
        'batch',
        'run',
        '--database',
        harness.database,
        '--dims',
        dims,
        '--reports',
        join(dir, 'reports'),
        '--from',
        '2026-11-01',
        '--to',
        '2026-11-30',
      ]);
      assert.equal(result.code, 0, result.stderr);
      return withDuckDBFile(harness.database, (c) => schemaChecksums(c));
    };

    const dry = await cli(['replay', '--code', 'delivery_exhausted', '--dry-run', '--format', 'json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(
      { ...summaryOf(dry.stdout), replay_id: 'x' },
      { replay_id: 'x', dry_run: true, topic: 'orders', matched: 3, already_replayed: 0, selected: 3, published: 0, failed: 0 },
    );
    assert.equal(dry.stdout.toString('utf8').trim().split('\n').length, 4, 'the three it would replay, then the summary');
    assert.equal(backlog(harness), 0, 'a dry run publishes nothing');
    assert.deepEqual(await query('SELECT count(*)::INT AS n FROM raw.dead_letter_replays'), [{ n: 0 }]);

    const first = await cli(['replay', '--code', 'delivery_exhausted', '--actor', 'ops@example']);
    assert.equal(first.code, 0, first.stderr);
    const summary = summaryOf(first.stdout);
    assert.deepEqual([summary.matched, summary.selected, summary.published, summary.failed], [3, 3, 3, 0]);
    await consume();
    const eventIds = exhausted.map((m) => m.attributes.event_id!).sort();
    const current = await query(`SELECT event_id FROM raw.orders_current WHERE event_id IN (${eventIds.map((id) => `'${id}'`).join(', ')}) ORDER BY 1`);
    assert.deepEqual(
      current.map((r) => r.event_id),
      eventIds,
      'the replayed events are written',
    );
    const recorded = await query(`SELECT replay_id, replayed_by, message_id, error_code, topic FROM raw.dead_letter_replays ORDER BY message_id`);
    assert.deepEqual(
      recorded.map((r) => [r.replay_id, r.replayed_by, r.message_id, r.error_code, r.topic]),
      ['dlq-1', 'dlq-2', 'dlq-3'].map((id) => [summary.replay_id, 'ops@example', id, 'delivery_exhausted', 'orders']),
    );
    const facts = await batch();
    const orderIds = exhausted.map((m) => `'${JSON.parse(m.data.toString('utf8')).order.order_id}'`).join(', ');
    assert.deepEqual(
      await query(`SELECT count(*)::INT AS n FROM mart.fact_orders WHERE order_id IN (${orderIds})`),
      [{ n: 3 }],
      'the replayed orders reach the facts',
    );

    const second = await cli(['replay', '--code', 'delivery_exhausted']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      [summaryOf(second.stdout).already_replayed, summaryOf(second.stdout).published],
      [3, 0],
      'the same replay twice publishes nothing the second time',
    );
    assert.equal(backlog(harness), 0);

    // Forced: the copies reach a fresh worker (no dedupe cache), so raw.orders holds each event twice.
    const again = await cli(['replay', '--code', 'delivery_exhausted', '--again']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(summaryOf(again.stdout).published, 3);
    await consume();
    const copies = await query(`SELECT count(*)::INT AS n FROM raw.orders WHERE event_id IN (${eventIds.map((id) => `'${id}'`).join(', ')})`);
    assert.deepEqual(copies, [{ n: 6 }]);
    assert.deepEqual(await batch(), facts, 'the marts are byte for byte the same');
    assert.deepEqual(await query('SELECT count(DISTINCT replay_id)::INT AS runs, count(*)::INT AS n FROM raw.dead_letter_replays'), [{ runs: 2, n: 6 }]);
  });
});
