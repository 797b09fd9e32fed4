import { randomBytes } from 'node:crypto';
import type { Warehouse } from '../../batch/engines/warehouse.ts';
import type { Logger } from '../../common/logger.ts';
import { PubSubOutput, type OutboundMessage } from '../../generator/outputs/pubsub-output.ts';
import { originalAttributes } from './exhausted.ts';
import { recordReplays, selectDeadLetters, type DeadLetterFilter, type DeadLetterRecord, type ReplayRecord } from './store.ts';

export interface ReplayOptions {
  projectId: string;
  /** The main topic the original messages go back to. */
  topic: string;
  /** Select and report, publish and record nothing. */
  dryRun: boolean;
  /** Also replay dead letters already replayed (raw.dead_letter_replays); by default they are skipped. */
  again: boolean;
  /** Who replays, recorded with each replay. */
  actor: string;
  maxInFlight: number;
  logger: Logger;
  now?: () => Date;
}

export interface ReplaySummary {
  replay_id: string;
  dry_run: boolean;
  topic: string;
  /** Dead letters matching the filter. */
  matched: number;
  /** Matching ones left out because they were replayed before (without --again). */
  already_replayed: number;
  /** The rest: to be re-published. */
  selected: number;
  /** Re-published (none in a dry run). */
  published: number;
  failed: number;
}

/**
 * Re-publishes the dead letters matching `filter` to the main topic: the original bytes (payload,
 * or payload_base64 decoded), the original attributes and ordering key, so the worker judges them
 * again (after a fix they are written; if still bad they come back as new dead letters). Each
 * published one is recorded in raw.dead_letter_replays (replay_id, who, when, the new message id)
 * and is skipped by later runs unless `again`: running the same replay twice publishes nothing the
 * second time. Publishing twice anyway (--again, or a crash between publishing and recording) is
 * harmless: the copies carry the same event_id, which the worker's dedupe and the read side
 * (`*_current` views, WAP staging: latest event per key) collapse, so facts stay exact.
 * Resolves with the summary and the dead letters selected; a failed publish counts in `failed`.
 */
export async function replayDeadLetters(
  warehouse: Warehouse,
  filter: DeadLetterFilter,
  options: ReplayOptions,
): Promise<{ summary: ReplaySummary; selected: DeadLetterRecord[] }> {
  const now = options.now?.() ?? new Date();
  const replayId = `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z-${randomBytes(3).toString('hex')}`;
  const matched = await selectDeadLetters(warehouse, { ...filter, notReplayed: false });
  const selected = options.again ? matched : matched.filter((record) => record.replays === '0');
  const summary: ReplaySummary = {
    replay_id: replayId,
    dry_run: options.dryRun,
    topic: options.topic,
    matched: matched.length,
    already_replayed: matched.length - selected.length,
    selected: selected.length,
    published: 0,
    failed: 0,
  };
  if (options.dryRun || selected.length === 0) return { summary, selected };

  const output = new PubSubOutput({
    projectId: options.projectId,
    topic: options.topic,
    maxInFlight: options.maxInFlight,
    ordering: true,
    logger: options.logger,
  });
  await output.verify();
  const published: ReplayRecord[] = [];
  try {
    for (const record of selected) {
      const message = outbound(record);
      if (!message) {
        summary.failed += 1;
        options.logger.error({ message_id: record.message_id }, 'dead letter has no stored payload; not replayed');
        continue;
      }
      await output.send(message, (result) => {
        if ('error' in result) {
          summary.failed += 1;
          return;
        }
        published.push({
          replayId,
          replayedAt: now,
          replayedBy: options.actor,
          messageId: record.message_id,
          eventId: record.event_id,
          errorCode: record.error_code,
          topic: options.topic,
          publishedMessageId: result.messageId,
        });
      });
    }
    await output.close();
  } finally {
    // Whatever was published is recorded, even when a later publish failed for good.
    summary.published = published.length;
    await recordReplays(warehouse, published);
  }
  options.logger.info(summary, 'dead letters replayed');
  return { summary, selected };
}

/** The original message of a dead letter, or undefined when its payload was not stored. */
function outbound(record: DeadLetterRecord): OutboundMessage | undefined {
  const data =
    record.payload !== null ? Buffer.from(record.payload, 'utf8') : record.payload_base64 !== null ? Buffer.from(record.payload_base64, 'base64') : undefined;
  if (data === undefined) return undefined;
  const attributes = originalAttributes(Object.fromEntries(record.attributes.map(({ key, value }) => [key, value ?? ''])));
  return { data, attributes, orderingKey: record.ordering_key ?? '' };
}
