import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseSql } from 'sql-parser-cst';
import { bigqueryTarget } from '../../batch/engines/bigquery.ts';
import { recordReplaysSql, selectDeadLettersSql } from '../../streaming/dead-letters/store.ts';

const target = bigqueryTarget('my-project');
const filter = {
  codes: ['delivery_exhausted', "it's"],
  messageIds: ['12', '13'],
  since: new Date('2026-11-20T00:00:00Z'),
  until: new Date('2026-11-21T00:00:00Z'),
  notReplayed: true,
  limit: 10,
};

test('the dead-letter listing is BigQuery SQL over the project raw tables, with every filter and values quoted', () => {
  const sql = selectDeadLettersSql(target, filter);
  assert.doesNotThrow(() => parseSql(sql, { dialect: 'bigquery' }));
  assert.match(sql, /FROM `my-project\.raw\.dead_letter`/);
  assert.match(sql, /FROM `my-project\.raw\.dead_letter_replays`/);
  assert.match(sql, /error_code IN \('delivery_exhausted', 'it\\'s'\)/);
  assert.match(sql, /received_at >= TIMESTAMP '2026-11-20 00:00:00\.000'/);
  assert.match(sql, /received_at < TIMESTAMP '2026-11-21 00:00:00\.000'/);
  assert.match(sql, /WHERE r\.message_id IS NULL/);
  assert.match(sql, /LIMIT 10$/);
  // QUALIFY needs a WHERE on BigQuery; an empty filter still has one.
  assert.doesNotThrow(() => parseSql(selectDeadLettersSql(target, {}), { dialect: 'bigquery' }));
  assert.match(selectDeadLettersSql(target, {}), /WHERE TRUE\n\s+QUALIFY/);
});

test('recording replays is one BigQuery INSERT naming its columns', () => {
  const sql = recordReplaysSql(
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
  assert.doesNotThrow(() => parseSql(sql, { dialect: 'bigquery' }));
  assert.match(
    sql,
    /^INSERT INTO `my-project\.raw\.dead_letter_replays` \(replay_id, replayed_at, replayed_by, message_id, event_id, error_code, topic, published_message_id\)/,
  );
  assert.match(sql, /\('r1', TIMESTAMP '2026-11-20 10:00:00\.000', 'o\\'brien@host', '1', NULL, 'delivery_exhausted', 'orders', 'p1'\)/);
  assert.equal(recordReplaysSql(target, []), undefined);
});
