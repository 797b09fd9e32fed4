import { isUtf8 } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventAttributes } from '../common/contract/attributes.ts';
import type { Logger } from '../common/logger.ts';
import type { OversizeLine } from '../common/ndjson.ts';
import { PubSubOutput, type OutboundMessage } from './outputs/pubsub-output.ts';
import { TokenBucket } from './token-bucket.ts';

export interface PublishNdjsonOptions {
  projectId: string;
  topic: string;
  /** Set the event's `order.order_id` as the ordering key, on lines that carry one. */
  orderingKey: boolean;
  /** Messages a second (token bucket); unthrottled when undefined. */
  rate?: number;
  /** Publishes awaiting Pub/Sub at most; reading waits when this many are out. */
  maxInFlight: number;
  logger: Logger;
  /** Stops reading early (SIGINT); what was read is still published and counted. */
  signal?: AbortSignal;
  /** Updated in place as lines are read and publishes end: read it for a progress line. */
  counts?: PublishCounts;
}

export interface PublishCounts {
  /** Lines read, blank ones included. */
  lines: number;
  /** Blank lines: skipped (Pub/Sub refuses an empty message). */
  blank: number;
  /** Lines that parsed as a JSON object and so got the event's attributes. */
  parsed: number;
  published: number;
  failed: number;
}

export const emptyCounts = (): PublishCounts => ({ lines: 0, blank: 0, parsed: 0, published: 0, failed: 0 });

// Below this a timer costs more than it buys; the bucket's debt keeps the rate exact anyway.
const MIN_SLEEP_MS = 4;

/**
 * Publishes NDJSON lines to a Pub/Sub topic, one message a line, the bytes as they are: a line
 * that is not a valid event is published too, and the worker dead-letters it (the worker is the
 * judge). A line that parses as a JSON object gets the producer attributes (event_id, event_type,
 * schema_version, event-contract.md) and, with `orderingKey`, its order_id as ordering key.
 * Reuses the generator's publisher: batching, bounded in-flight publishes, retries of transient
 * errors. Resolves with the counts once every publish has ended; a publish that failed after its
 * retries counts in `failed` (the caller decides the exit code). Rejects with an OperationalError
 * when the topic cannot be published to at all (missing, no permission) and when reading fails.
 */
export async function publishNdjson(lines: AsyncIterable<Buffer | OversizeLine>, options: PublishNdjsonOptions): Promise<PublishCounts> {
  const counts = options.counts ?? emptyCounts();
  const output = new PubSubOutput({
    projectId: options.projectId,
    topic: options.topic,
    maxInFlight: options.maxInFlight,
    ordering: options.orderingKey,
    logger: options.logger,
  });
  const bucket = options.rate ? new TokenBucket(options.rate) : undefined;
  // A wrong emulator address, missing credentials or a missing topic: one line within seconds,
  // not one failed publish per line after the client's retries.
  await output.verify();
  const settled = (result: { messageId: string } | { error: Error }) => {
    if ('messageId' in result) counts.published += 1;
    else counts.failed += 1;
  };
  try {
    for await (const line of lines) {
      counts.lines += 1;
      if (!Buffer.isBuffer(line)) {
        // Pub/Sub refuses it whole: counted as failed, never cut.
        counts.failed += 1;
        options.logger.warn({ line: counts.lines, bytes: line.bytes }, 'line larger than a Pub/Sub message; not published');
      } else if (line.length === 0) {
        counts.blank += 1;
      } else {
        const event = parseObject(line);
        if (event) counts.parsed += 1;
        const message = outbound(line, event);
        const wait = bucket?.take() ?? 0;
        if (wait >= MIN_SLEEP_MS) await sleep(wait);
        await output.send(message, settled);
      }
      if (options.signal?.aborted) break;
    }
  } finally {
    // Publishes already sent are awaited (and counted) even when reading failed.
    await output.close();
  }
  return counts;
}

/** A line as a message: its bytes, and the event's attributes and ordering key when it parsed. */
function outbound(line: Buffer, event: Record<string, unknown> | undefined): OutboundMessage {
  const orderId = (event?.order as Record<string, unknown> | undefined)?.order_id;
  return { data: line, attributes: event ? eventAttributes(event) : {}, orderingKey: typeof orderId === 'string' ? orderId : '' };
}

/** The line as a JSON object, or undefined: not UTF-8 (decoding would invent U+FFFD), not JSON, not an object. */
function parseObject(line: Buffer): Record<string, unknown> | undefined {
  if (!isUtf8(line)) return undefined;
  try {
    const value: unknown = JSON.parse(line.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
