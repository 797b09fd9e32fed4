import { MACROS, naiveUtc, tableRef, type Target } from '../../batch/dialect.ts';
import { Bindings, type Statement } from '../../batch/params.ts';
import type { Warehouse } from '../../batch/engines/warehouse.ts';

/** Which dead letters: every given condition holds (an empty filter selects all). */
export interface DeadLetterFilter {
  /** error_code is one of these (e.g. delivery_exhausted, schema, rule:duplicate_order_item_id). */
  codes?: readonly string[];
  /** received_at >= since. */
  since?: Date;
  /** received_at < until. */
  until?: Date;
  /** message_id is one of these. */
  messageIds?: readonly string[];
  /** Leave out dead letters that raw.dead_letter_replays records as replayed. */
  notReplayed?: boolean;
  /** At most this many, oldest first. */
  limit?: number;
}

/** One dead letter as listed and replayed: raw.dead_letter's columns, timestamps as naive UTC text, plus its replays so far. */
export interface DeadLetterRecord {
  message_id: string;
  received_at: string;
  error_code: string;
  event_id: string | null;
  publish_time: string | null;
  source_subscription: string | null;
  source_delivery_count: string | null;
  ordering_key: string | null;
  payload: string | null;
  payload_base64: string | null;
  attributes: { key: string; value: string | null }[];
  errors: { code: string; path: string; message: string }[];
  /** Times raw.dead_letter_replays records it as replayed. */
  replays: string;
}

/** A replay to record in raw.dead_letter_replays: one published dead letter. */
export interface ReplayRecord {
  replayId: string;
  replayedAt: Date;
  replayedBy: string;
  messageId: string;
  eventId: string | null;
  errorCode: string;
  topic: string;
  publishedMessageId: string;
}

/**
 * The SELECT of dead letters matching `filter`, for either engine. raw.dead_letter is append-only
 * and written at least once, so a message may have several rows: one per message_id is kept (the
 * first received). Values from the command line are bound as query parameters (code_1.., message_id_1..,
 * since, until), never written into the SQL.
 */
export function selectDeadLettersSql(target: Target, filter: DeadLetterFilter): Statement {
  const { engine } = target;
  const b = new Bindings(engine);
  const text = MACROS.timestamp_text![engine];
  const string = MACROS.string_type![engine]();
  const conditions = ['TRUE'];
  if (filter.codes?.length) conditions.push(`error_code IN (${b.strings('code', filter.codes)})`);
  if (filter.messageIds?.length) conditions.push(`message_id IN (${b.strings('message_id', filter.messageIds)})`);
  if (filter.since) conditions.push(`received_at >= ${b.timestamp('since', naiveUtc(filter.since))}`);
  if (filter.until) conditions.push(`received_at < ${b.timestamp('until', naiveUtc(filter.until))}`);
  const replays = tableRef(target, 'raw', 'dead_letter_replays');
  const sql = `WITH dead_letters AS (
  SELECT *
  FROM ${tableRef(target, 'raw', 'dead_letter')}
  WHERE ${conditions.join('\n    AND ')}
  QUALIFY ROW_NUMBER() OVER (PARTITION BY message_id ORDER BY received_at) = 1
),

replayed AS (
  SELECT message_id, COUNT(*) AS replays
  FROM ${replays}
  GROUP BY message_id
),

selected AS (
  SELECT
    d.message_id,
    ${text('d.received_at')} AS received_at,
    d.error_code,
    d.event_id,
    ${text('d.publish_time')} AS publish_time,
    d.source_subscription,
    CAST(d.source_delivery_count AS ${string}) AS source_delivery_count,
    d.ordering_key,
    d.payload,
    d.payload_base64,
    d.attributes,
    d.errors,
    CAST(COALESCE(r.replays, 0) AS ${string}) AS replays
  FROM dead_letters AS d
  LEFT JOIN replayed AS r ON r.message_id = d.message_id${filter.notReplayed ? '\n  WHERE r.message_id IS NULL' : ''}
)

SELECT *
FROM selected
-- Fixed-width UTC text (microseconds): its order is the time order.
ORDER BY received_at, message_id${filter.limit ? `\nLIMIT ${Math.trunc(filter.limit)}` : ''}`;
  return { sql, params: b.params };
}

/** The dead letters matching `filter`, oldest first. */
export async function selectDeadLetters(warehouse: Warehouse, filter: DeadLetterFilter): Promise<DeadLetterRecord[]> {
  const { sql, params } = selectDeadLettersSql(warehouse.target, filter);
  const rows = await warehouse.query(sql, params);
  return rows.map((row) => ({ ...row, attributes: row.attributes ?? [], errors: row.errors ?? [] }) as unknown as DeadLetterRecord);
}

/** One INSERT of these replays into raw.dead_letter_replays (nothing for none), every value bound as a parameter. */
export function recordReplaysSql(target: Target, records: readonly ReplayRecord[]): Statement | undefined {
  if (records.length === 0) return undefined;
  const b = new Bindings(target.engine);
  const values = records.map(
    (r, i) =>
      `(${[
        b.string(`replay_id_${i + 1}`, r.replayId),
        b.timestamp(`replayed_at_${i + 1}`, naiveUtc(r.replayedAt)),
        b.string(`replayed_by_${i + 1}`, r.replayedBy),
        b.string(`message_id_${i + 1}`, r.messageId),
        b.string(`event_id_${i + 1}`, r.eventId),
        b.string(`error_code_${i + 1}`, r.errorCode),
        b.string(`topic_${i + 1}`, r.topic),
        b.string(`published_message_id_${i + 1}`, r.publishedMessageId),
      ].join(', ')})`,
  );
  const sql = `INSERT INTO ${tableRef(target, 'raw', 'dead_letter_replays')} (replay_id, replayed_at, replayed_by, message_id, event_id, error_code, topic, published_message_id)
VALUES
  ${values.join(',\n  ')}`;
  return { sql, params: b.params };
}

export async function recordReplays(warehouse: Warehouse, records: readonly ReplayRecord[]): Promise<void> {
  const statement = recordReplaysSql(warehouse.target, records);
  if (statement) await warehouse.execute(statement.sql, statement.params);
}
