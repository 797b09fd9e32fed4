import { status } from '@grpc/grpc-js';
import { PubSub, type PublishOptions, type Topic } from '@google-cloud/pubsub';
import { OperationalError } from '../../common/errors.ts';
import { firstPubSubCall } from '../../common/pubsub-reach.ts';
import type { Logger } from '../../common/logger.ts';
import type { GeneratedMessage } from '../stream.ts';
import type { MessageOutput, OutputStats } from './output.ts';

/** What a publish needs of a message: the generator's messages, replayed lines and dead letters alike. */
export type OutboundMessage = Pick<GeneratedMessage, 'data' | 'attributes' | 'orderingKey'>;

/** How one publish ended: Pub/Sub's message id, or the error after the last attempt. */
export type PublishResult = { messageId: string } | { error: Error };

export interface PubSubOutputOptions {
  projectId: string;
  topic: string;
  /** Publishes awaiting their ack from Pub/Sub; send() waits when this many are out. */
  maxInFlight: number;
  /** Set the ordering key (order_id). Batches are per key in the client, so this costs throughput. */
  ordering: boolean;
  /**
   * How long one publish may take, the client's own retries of transient errors included (ms).
   * Default 60,000: the client's default (600 s, and the generator used to retry that 5 times over)
   * would hold a message, and the ordering key behind it, for minutes on a persistent failure.
   */
  publishTimeoutMs?: number;
  logger: Logger;
  /** Once aborted (SIGINT/SIGTERM), send() stops waiting for room and close() waits at most abandonAfterMs. */
  signal?: AbortSignal;
  /** After the signal, how long close() waits for publishes in flight before counting them as failed. */
  abandonAfterMs?: number;
}

// NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED: every later publish would fail the same way.
const FATAL = new Set([5, 7, 16]);

const DEFAULT_PUBLISH_TIMEOUT_MS = 60_000;

/**
 * The client's retry of Publish, bounded by `totalTimeoutMs`: the codes and backoff of the client's
 * own publish config (google/pubsub/v1 publisher_client_config.json), with a shorter total.
 */
export function publishRetry(totalTimeoutMs: number): NonNullable<NonNullable<PublishOptions['gaxOpts']>['retry']> {
  const rpcTimeoutMillis = Math.min(60_000, totalTimeoutMs);
  return {
    retryCodes: [status.ABORTED, status.CANCELLED, status.DEADLINE_EXCEEDED, status.INTERNAL, status.RESOURCE_EXHAUSTED, status.UNAVAILABLE, status.UNKNOWN],
    backoffSettings: {
      initialRetryDelayMillis: 100,
      retryDelayMultiplier: 4,
      maxRetryDelayMillis: 60_000,
      initialRpcTimeoutMillis: rpcTimeoutMillis,
      rpcTimeoutMultiplier: 1,
      maxRpcTimeoutMillis: rpcTimeoutMillis,
      totalTimeoutMillis: totalTimeoutMs,
    },
  };
}

/** Publishes with the official client: batching, attributes, ordering keys, bounded in-flight, retries. */
export class PubSubOutput implements MessageOutput {
  private readonly client: PubSub;
  private readonly topic: Topic;
  private readonly inFlight = new Set<Promise<void>>();
  private published = 0;
  private failed = 0;
  private fatal: Error | undefined;

  constructor(private readonly options: PubSubOutputOptions) {
    // PUBSUB_EMULATOR_HOST, when set, points the client at an emulator.
    this.client = new PubSub({ projectId: options.projectId });
    this.topic = this.client.topic(options.topic, {
      batching: { maxMessages: 1000, maxMilliseconds: 10, maxBytes: 4 * 1024 * 1024 },
      messageOrdering: options.ordering,
      gaxOpts: { retry: publishRetry(options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS) },
    });
  }

  /** Fails in one line, within seconds, when the topic is missing or Pub/Sub cannot be reached. */
  async verify(): Promise<void> {
    const { projectId, topic } = this.options;
    const answer = await firstPubSubCall(projectId, `topic ${topic}`, () => this.topic.exists()).catch(async (error: unknown) => {
      void this.client.close().catch(() => undefined);
      throw error;
    });
    if (answer && !answer[0]) throw new OperationalError(`topic ${topic} does not exist in project ${projectId} (run orderflow setup)`);
  }

  /** `settled`, when given, hears how this message's publish ended (after its retries). */
  async send(message: OutboundMessage, settled?: (result: PublishResult) => void): Promise<void> {
    if (this.fatal) throw this.fatal;
    while (this.inFlight.size >= this.options.maxInFlight && !this.options.signal?.aborted) await Promise.race([...this.inFlight, this.aborted]);
    const publish = this.publish(message, settled).finally(() => this.inFlight.delete(publish));
    this.inFlight.add(publish);
  }

  // Transient errors are retried inside the client (publishRetry); what reaches here is final.
  private async publish(message: OutboundMessage, settled?: (result: PublishResult) => void): Promise<void> {
    try {
      const messageId = await this.topic.publishMessage({
        data: message.data,
        attributes: message.attributes,
        ...(this.options.ordering ? { orderingKey: message.orderingKey } : {}),
      });
      this.published += 1;
      settled?.({ messageId });
    } catch (error) {
      const code = (error as { code?: number }).code ?? -1;
      if (FATAL.has(code)) {
        this.fatal ??= new OperationalError(`cannot publish to topic ${this.options.topic} in project ${this.options.projectId}: ${(error as Error).message}`);
      }
      this.failed += 1;
      this.options.logger.error({ err: error, event_id: message.attributes.event_id }, 'publish failed');
      settled?.({ error: error as Error });
      // A failed publish pauses its ordering key; the key's later messages go on.
      if (this.options.ordering) this.topic.resumePublishing(message.orderingKey);
    }
  }

  async close(): Promise<OutputStats> {
    const flushed = (async () => {
      await Promise.all(this.inFlight);
      await this.topic.flush();
      await this.client.close();
    })();
    // Stopped by a signal: the publishes still out after a grace period are given up on and counted
    // as failed, so a generator that cannot reach Pub/Sub still ends within seconds.
    const abandoned = this.aborted.then(
      () => new Promise<'abandoned'>((resolve) => setTimeout(() => resolve('abandoned'), this.options.abandonAfterMs ?? 3000)),
    );
    if ((await Promise.race([flushed, abandoned])) === 'abandoned') {
      this.failed += this.inFlight.size;
      this.inFlight.clear();
      void this.client.close().catch(() => undefined);
    }
    if (this.fatal) throw this.fatal;
    return { published: this.published, failed: this.failed };
  }

  /** Resolves when the signal aborts; never without a signal. */
  private get aborted(): Promise<void> {
    const { signal } = this.options;
    if (!signal) return new Promise(() => undefined);
    return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  stats() {
    return { published: this.published, failed: this.failed, inFlight: this.inFlight.size };
  }
}
