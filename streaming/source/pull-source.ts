import { Duration, PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { OperationalError } from '../../common/errors.ts';
import { firstPubSubCall } from '../../common/pubsub-reach.ts';
import type { Logger } from '../../common/logger.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import { acks, type Outcome } from '../pipeline/outcome.ts';
import { inSlices } from './in-slices.ts';

export interface PullSourceOptions {
  projectId: string;
  subscription: string;
  /** Flow control: messages and bytes held unacked at most (exact: no excess messages). */
  maxMessages: number;
  maxBytes: number;
  /** StreamingPull streams; the server grants each the flow-control bound, the excess waits in client memory. */
  streams: number;
  /** How long close() waits for messages being processed before nacking the rest. */
  drainTimeoutMs: number;
  logger: Logger;
  /** A non-retryable subscriber error (the stream will not come back). */
  onFatal: (error: Error) => void;
}

/** Streaming pull with the official client; PUBSUB_EMULATOR_HOST, when set, points it at an emulator. */
export class PullSource {
  private client: PubSub | undefined;
  private subscription: Subscription | undefined;

  constructor(private readonly options: PullSourceOptions) {}

  /** Starts pulling; `handle` calls `settle` once per message it takes, and a message it throws on is nacked. */
  async start(handle: (message: InboundMessage, settle: (outcome: Outcome) => void) => void): Promise<void> {
    const { options } = this;
    this.client = new PubSub({ projectId: options.projectId });
    this.subscription = this.client.subscription(options.subscription, {
      flowControl: { maxMessages: options.maxMessages, maxBytes: options.maxBytes, allowExcessMessages: false },
      streamingOptions: { maxStreams: options.streams },
      closeOptions: { behavior: 'WAIT', timeout: Duration.from({ millis: options.drainTimeoutMs }) },
    });
    await this.checkExists();
    const take = (message: Message) => {
      try {
        handle(inbound(message), (outcome) => (acks(outcome) ? message.ack() : message.nack()));
      } catch (error) {
        // A bug, not bad input (that becomes a dead letter): the message goes back, the worker stays up.
        options.logger.error({ err: error, message_id: message.id }, 'message processing failed');
        message.nack();
      }
    };
    // The client emits a pull response's messages (up to 1,000) from process.nextTick callbacks,
    // all in one turn of the event loop; handled in slices, the writer's replies (and so the acks of
    // batches already durable) no longer wait behind the whole response (~10-20 ms, measured).
    this.subscription.on('message', inSlices(take));
    // Retryable stream errors are retried inside the client; what reaches here will not recover.
    this.subscription.on('error', (error: Error) => options.onFatal(error));
  }

  /**
   * Fails fast, in one line, on a missing subscription or a Pub/Sub it cannot reach.
   * roles/pubsub.subscriber cannot read subscription metadata, so PERMISSION_DENIED is not an
   * answer: the stream reports a missing one then.
   */
  private async checkExists(): Promise<void> {
    const { options } = this;
    let answer: [boolean] | undefined;
    try {
      answer = await firstPubSubCall(options.projectId, `subscription ${options.subscription}`, () => this.subscription!.exists());
    } catch (error) {
      // The client would go on retrying in the background, and print its failures later.
      void this.client?.close().catch(() => undefined);
      throw error;
    }
    if (answer && !answer[0]) throw new OperationalError(`subscription ${options.subscription} does not exist in project ${options.projectId} (run orderflow setup)`);
  }

  /** Stops pulling, waits for messages in processing to be acked or nacked, closes the client. */
  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.client?.close();
  }

  get isOpen(): boolean {
    return this.subscription?.isOpen ?? false;
  }
}

function inbound(message: Message): InboundMessage {
  // Built field by field: conditional spreads allocate an object each, for every message.
  const inbound: InboundMessage = { id: message.id, data: message.data, attributes: message.attributes, publishTime: message.publishTime };
  if (message.orderingKey) inbound.orderingKey = message.orderingKey;
  // The client reports 0 when the subscription has no dead-letter policy.
  if (message.deliveryAttempt) inbound.deliveryAttempt = message.deliveryAttempt;
  return inbound;
}
