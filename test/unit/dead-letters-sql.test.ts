import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseSql } from 'sql-parser-cst';
import { bigqueryTarget } from '../../batch/engines/bigquery.ts';
import { DUCKDB_TARGET } from '../../batch/engines/duckdb.ts';
import { recordReplaysSql, selectDeadLettersSql } from '../../streaming/dead-letters/store.ts';

const target = bigqueryTarget('my-project');
const parse = (sql: string) => parseSql(sql, { dialect: 'bigquery', paramTypes: ['@name'] });
/** Text that would end or break a hand-quoted literal on either engine. */
const HOSTILE = "it's \\ a\nline'); DROP TABLE raw.dead_letter; --";
const filter = {
  codes: ['delivery_exhausted', HOSTILE],
  messageIds: ['12', '13'],
  since: new Date('2026-11-20T00:00:00Z'),
  until: new Date('2026-11-21T00:00:00Z'),
  notReplayed: true,
  limit: 10,
};

test('the dead-letter listing is BigQuery SQL over the project raw tables, with every filter a bound parameter', () => {
  const { sql, params } = selectDeadLettersSql(target, filter);
  assert.doesNotThrow(() => parse(sql));
  assert.match(sql, /FROM `my-project\.raw\.dead_letter`/);
  assert.match(sql, /FROM `my-project\.raw\.dead_letter_replays`/);
  assert.match(sql, /error_code IN \(@code_1, @code_2\)/);
  assert.match(sql, /message_id IN \(@message_id_1, @message_id_2\)/);
  assert.match(sql, /received_at >= @since/);
  assert.match(sql, /received_at < @until/);
  assert.match(sql, /WHERE r\.message_id IS NULL/);
  assert.match(sql, /LIMIT 10$/);
  assert.ok(!sql.includes('DROP TABLE') && !sql.includes('delivery_exhausted') && !sql.includes('2026-11-20'), 'no value in the SQL text');
  assert.deepEqual(params, {
    code_1: { type: 'STRING', value: 'delivery_exhausted' },
    code_2: { type: 'STRING', value: HOSTILE },
    message_id_1: { type: 'STRING', value: '12' },
    message_id_2: { type: 'STRING', value: '13' },
    since: { type: 'TIMESTAMP', value: '2026-11-20 00:00:00.000' },
    until: { type: 'TIMESTAMP', value: '2026-11-21 00:00:00.000' },
  });
  // QUALIFY needs a WHERE on BigQuery; an empty filter still has one, and no parameters.
  const all = selectDeadLettersSql(target, {});
  assert.doesNotThrow(() => parse(all.sql));
  assert.match(all.sql, /WHERE TRUE\n\s+QUALIFY/);
  assert.equal(all.params, undefined);
});

test('DuckDB spells the same parameters $name', () => {
  const { sql, params } = selectDeadLettersSql(DUCKDB_TARGET, filter);
  assert.match(sql, /error_code IN \(\$code_1, \$code_2\)/);
  assert.match(sql, /received_at >= \$since/);
  assert.deepEqual(Object.keys(params!).sort(), ['code_1', 'code_2', 'message_id_1', 'message_id_2', 'since', 'until']);
});

test('recording replays is one BigQuery INSERT naming its columns, its values bound (a missing event id is NULL)', () => {
  const { sql, params } = recordReplaysSql(
    target,
    [1, 2].map((n) => ({
      replayId: 'r1',
      replayedAt: new Date('2026-11-20T10:00:00Z'),
      replayedBy: "o'brien@host",
      messageId: String(n),
      eventId: n === 1 ? null : 'e2',
      errorCode: 'delivery_exhausted',
      topic: 'orders',
      publishedMessageId: `p${n}`,
    })),
  )!;
  assert.doesNotThrow(() => parse(sql));
  assert.match(
    sql,
    /^INSERT INTO `my-project\.raw\.dead_letter_replays` \(replay_id, replayed_at, replayed_by, message_id, event_id, error_code, topic, published_message_id\)/,
  );
  assert.match(sql, /\(@replay_id_1, @replayed_at_1, @replayed_by_1, @message_id_1, NULL, @error_code_1, @topic_1, @published_message_id_1\)/);
  assert.match(sql, /\(@replay_id_2, @replayed_at_2, @replayed_by_2, @message_id_2, @event_id_2, @error_code_2, @topic_2, @published_message_id_2\)/);
  assert.deepEqual(params!.replayed_by_1, { type: 'STRING', value: "o'brien@host" });
  assert.deepEqual(params!.replayed_at_1, { type: 'TIMESTAMP', value: '2026-11-20 10:00:00.000' });
  assert.equal(params!.event_id_1, undefined);
  assert.equal(recordReplaysSql(target, []), undefined);
});
