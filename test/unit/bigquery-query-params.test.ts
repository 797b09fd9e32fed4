import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BigQueryWarehouse, GoogleBigQueryClient, bigqueryTarget } from '../../batch/engines/bigquery.ts';
import { releaseLease } from '../../batch/lease.ts';
import { selectDeadLetters } from '../../streaming/dead-letters/store.ts';
import { startBigQueryJobsStandIn } from '../helpers/bigquery-jobs-standin.ts';

// Issue 19.3: the real @google-cloud/bigquery client, over HTTP, against a local jobs API: the
// values of a statement travel as the job's queryParameters, never in its SQL text.
const HOSTILE = "o'brien\\ \n'); DROP TABLE raw.dead_letter; --";

describe('BigQuery query parameters on the wire', () => {
  let standIn: Awaited<ReturnType<typeof startBigQueryJobsStandIn>>;
  let client: GoogleBigQueryClient;
  before(async () => {
    standIn = await startBigQueryJobsStandIn();
    client = new GoogleBigQueryClient(standIn.client('shop'));
  });
  after(() => standIn.close());

  test('each type is sent named and typed: STRING as given, INT64, DATE, and a naive-UTC TIMESTAMP as that UTC instant to the microsecond', async () => {
    await client.query('SELECT @text, @n, @day, @at', {
      text: { type: 'STRING', value: HOSTILE },
      n: { type: 'INT64', value: 42 },
      day: { type: 'DATE', value: '2026-11-20' },
      at: { type: 'TIMESTAMP', value: '2026-11-20 01:02:03.456789' },
    });
    const request = standIn.requests.at(-1)!;
    assert.equal(request.query, 'SELECT @text, @n, @day, @at');
    assert.equal(request.parameterMode, 'named');
    assert.deepEqual(
      request.queryParameters!.map((p) => [p.name, p.parameterType.type, p.parameterValue.value]),
      [
        ['text', 'STRING', HOSTILE],
        ['n', 'INT64', 42],
        ['day', 'DATE', '2026-11-20'],
        ['at', 'TIMESTAMP', '2026-11-20T01:02:03.456789000Z'],
      ],
    );
  });

  test('a statement without parameters sends none', async () => {
    await client.query('SELECT 1');
    const request = standIn.requests.at(-1)!;
    assert.equal(request.queryParameters, undefined);
    assert.equal(request.parameterMode, undefined);
  });

  test('the dead-letter filters and the lease release: hostile values only in queryParameters', async () => {
    const warehouse = new BigQueryWarehouse(client, bigqueryTarget('shop'));
    const sent = standIn.requests.length;
    await selectDeadLetters(warehouse, { codes: [HOSTILE], messageIds: [HOSTILE], since: new Date('2026-11-20T00:00:00Z') });
    await releaseLease(warehouse, HOSTILE);
    const requests = standIn.requests.slice(sent);
    assert.equal(requests.length, 2);
    for (const request of requests) {
      assert.ok(!request.query.includes('DROP TABLE') && !request.query.includes("o'brien"), request.query);
      assert.ok(request.queryParameters!.some((p) => p.parameterType.type === 'STRING' && p.parameterValue.value === HOSTILE));
    }
    assert.match(requests[0]!.query, /error_code IN \(@code_1\)\n\s+AND message_id IN \(@message_id_1\)\n\s+AND received_at >= @since/);
    assert.deepEqual(
      requests[0]!.queryParameters!.find((p) => p.name === 'since'),
      { name: 'since', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: '2026-11-20T00:00:00.000Z' } },
    );
    assert.match(requests[1]!.query, /WHERE name = @lease AND holder = @holder$/);
  });
});
