import { MACROS, naiveUtc, stringLiteral, tableRef, timestampLiteral, type Target } from '../../batch/dialect.ts';
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
 * first received). Values from the command line are quoted for the engine (stringLiteral).
 */
export function selectDeadLettersSql(target: Target, filter: DeadLetterFilter): string {
  const { engine } = target;
  const text = MACROS.timestamp_text![engine];
  const string = MACROS.string_type![engine]();
  const list = (values: readonly string[]) => values.map((v) => stringLiteral(engine, v)).join(', ');
  const conditions = ['TRUE'];
  if (filter.codes?.length) conditions.push(`error_code IN (${list(filter.codes)})`);
  if (filter.messageIds?.length) conditions.push(`message_id IN (${list(filter.messageIds)})`);
  if (filter.since) conditions.push(`received_at >= ${timestampLiteral(naiveUtc(filter.since))}`);
  if (filter.until) conditions.push(`received_at < ${timestampLiteral(naiveUtc(filter.until))}`);
  const replays = tableRef(target, 'raw', 'dead_letter_replays');
  return `WITH dead_letters AS (
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
}

/** The dead letters matching `filter`, oldest first. */
export async function selectDeadLetters(warehouse: Warehouse, filter: DeadLetterFilter): Promise<DeadLetterRecord[]> {
  const rows = await warehouse.query(selectDeadLettersSql(warehouse.target, filter));
  return rows.map((row) => ({ ...row, attributes: row.attributes ?? [], errors: row.errors ?? [] }) as unknown as DeadLetterRecord);
}

/** One INSERT of these replays into raw.dead_letter_replays (nothing for none). */
export function recordReplaysSql(target: Target, records: readonly ReplayRecord[]): string | undefined {
  if (records.length === 0) return undefined;
  const quote = (value: string | null) => (value === null ? 'NULL' : stringLiteral(target.engine, value));
  const values = records.map(
    (r) =>
      `(${[
        quote(r.replayId),
        timestampLiteral(naiveUtc(r.replayedAt)),
        quote(r.replayedBy),
        quote(r.messageId),
        quote(r.eventId),
        quote(r.errorCode),
        quote(r.topic),
        quote(r.publishedMessageId),
      ].join(', ')})`,
  );
  return `INSERT INTO ${tableRef(target, 'raw', 'dead_letter_replays')} (replay_id, replayed_at, replayed_by, message_id, event_id, error_code, topic, published_message_id)
VALUES
  ${values.join(',\n  ')}`;
}

export async function recordReplays(warehouse: Warehouse, records: readonly ReplayRecord[]): Promise<void> {
  const sql = recordReplaysSql(warehouse.target, records);
  if (sql) await warehouse.execute(sql);
}
