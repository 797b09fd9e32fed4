import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BigQuery } from '@google-cloud/bigquery';
import { createLogger } from '../../common/logger.ts';
import { timestampMicros as toMicros } from '../../common/contract/timestamp.ts';
import { createBigQuerySink, type BigQuerySink } from '../../streaming/sinks/bigquery/bigquery-sink.ts';
import { setupBigQuery } from '../../setup/bigquery.ts';
import { emptyRawRows } from '../../streaming/rows.ts';
import { fullBatch } from '../fixtures/raw-rows.ts';

// Against real BigQuery: only with credentials and a test project; a run-unique dataset, deleted afterwards.
const projectId = process.env.ORDERFLOW_TEST_PROJECT;
const location = process.env.ORDERFLOW_TEST_LOCATION || 'US';
const skip =
  !process.env.GOOGLE_APPLICATION_CREDENTIALS || !projectId
    ? 'live BigQuery test needs GOOGLE_APPLICATION_CREDENTIALS and ORDERFLOW_TEST_PROJECT (optional ORDERFLOW_TEST_LOCATION)'
    : false;

describe('BigQuery sink, live', { skip }, () => {
  const dataset = `orderflow_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  let bigquery: BigQuery;
  let sink: BigQuerySink;
  const query = async (sql: string) =>
    (await bigquery.query({ query: sql.replaceAll('$ds', `\`${projectId}.${dataset}\``), location }))[0] as Record<string, unknown>[];

  before(async () => {
    bigquery = new BigQuery({ projectId });
    await setupBigQuery({ projectId: projectId!, dataset, location });
    sink = createBigQuerySink({ projectId: projectId!, dataset, logger: createLogger({ level: 'warn' }) });
  });
  after(async () => {
    await sink?.close();
    await bigquery?.dataset(dataset).delete({ force: true });
  });

  test('setup is idempotent', async () => {
    const steps = await setupBigQuery({ projectId: projectId!, dataset, location });
    assert.ok(
      steps.every((s) => s.outcome !== 'created'),
      JSON.stringify(steps),
    );
  });

  test('a full batch lands with exact types and the *_current views read it', async () => {
    assert.deepEqual(await sink.write(fullBatch()), { rejected: [] });
    const counts = await query(`SELECT (SELECT COUNT(*) FROM $ds.orders) AS o, (SELECT COUNT(*) FROM $ds.order_items) AS i,
      (SELECT COUNT(*) FROM $ds.order_payments) AS p, (SELECT COUNT(*) FROM $ds.dead_letter) AS d`);
    assert.deepEqual(counts, [{ o: 2, i: 2, p: 1, d: 2 }]);
    const items = await query(`SELECT order_item_id, CAST(price AS STRING) AS price, UNIX_MICROS(event_time) AS t FROM $ds.order_items ORDER BY 1`);
    assert.deepEqual(
      items.map((r) => [r.order_item_id, r.price, String(r.t)]),
      [
        [1, '59.9', String(toMicros('2026-11-20T10:00:00.123456Z'))],
        [2, '0.07', String(toMicros('2026-11-20T10:00:00.123456Z'))],
      ],
    );
    const dead = await query(`SELECT message_id, ARRAY_LENGTH(errors) AS n, payload_base64 FROM $ds.dead_letter ORDER BY 1`);
    assert.deepEqual(dead, [
      { message_id: 'm3', n: 2, payload_base64: null },
      { message_id: 'm4', n: 1, payload_base64: '/w==' },
    ]);
    assert.deepEqual(await query(`SELECT event_id FROM $ds.orders_current`), [{ event_id: 'evt-0002' }]);
    assert.equal((await query(`SELECT * FROM $ds.order_items_current`)).length, 2);
  });

  test('a value BigQuery refuses comes back as a rejected row; its neighbours are written', async () => {
    const [good] = fullBatch().order_items;
    const result = await sink.write({
      ...emptyRawRows(),
      order_items: [
        { ...good!, order_item_id: 7 },
        { ...good!, order_item_id: 8, price: '123456789012.00' },
      ],
    });
    assert.deepEqual(
      result.rejected.map((r) => [r.table, r.index]),
      [['order_items', 1]],
    );
    assert.match(result.rejected[0]!.reason, /^bigquery: /);
    assert.deepEqual(await query(`SELECT order_item_id FROM $ds.order_items WHERE order_item_id > 2`), [{ order_item_id: 7 }]);
  });
});
