import { Duration, PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { OperationalError } from '../../common/errors.ts';
import { firstPubSubCall } from '../../common/pubsub-reach.ts';
import type { Logger } from '../../common/logger.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import { acks } from '../pipeline/outcome.ts';
import { inSlices } from './in-slices.ts';
import type { MessageHandler } from '../pipeline/message-handler.ts';

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

// gRPC status codes.
const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;
const CONSUME = 'pubsub.subscriptions.consume';

/** Streaming pull with the official client; PUBSUB_EMULATOR_HOST, when set, points it at an emulator. */
export class PullSource {
  private client: PubSub | undefined;
  private subscription: Subscription | undefined;

  constructor(private readonly options: PullSourceOptions) {}

  /** Starts pulling (after check(), which fails fast) into `handler`: each message is acked or nacked by its outcome, and one it throws on is nacked. */
  async start(handler: MessageHandler): Promise<void> {
    const { options } = this;
    this.client ??= new PubSub({ projectId: options.projectId });
    this.subscription = this.client.subscription(options.subscription, {
      flowControl: { maxMessages: options.maxMessages, maxBytes: options.maxBytes, allowExcessMessages: false },
      streamingOptions: { maxStreams: options.streams },
      closeOptions: { behavior: 'WAIT', timeout: Duration.from({ millis: options.drainTimeoutMs }) },
    });
    const take = (message: Message) => {
      try {
        handler.handle(inbound(message), (outcome) => (acks(outcome) ? message.ack() : message.nack()));
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
   * Throws an OperationalError unless the subscription exists and this identity may consume from it.
   * roles/pubsub.subscriber cannot read subscription metadata (PERMISSION_DENIED is no answer), so
   * the permission comes from testIamPermissions, which any caller may use; emulators have no IAM
   * (UNIMPLEMENTED), and there existence is the whole check.
   * Each call answers within seconds (common/pubsub-reach.ts): what it tried and what to do.
   */
  async check(): Promise<void> {
    const { options } = this;
    this.client ??= new PubSub({ projectId: options.projectId });
    const subscription = this.client.subscription(options.subscription);
    const missing = () => new OperationalError(`subscription ${options.subscription} does not exist in project ${options.projectId} (run orderflow setup)`);
    const resource = `subscription ${options.subscription}`;
    try {
      // undefined: PERMISSION_DENIED, which roles/pubsub.subscriber gets for metadata; no answer.
      const answer = await firstPubSubCall(options.projectId, resource, () => subscription.exists());
      if (answer && !answer[0]) throw missing();
      let granted: Record<string, boolean>;
      try {
        [granted] = await subscription.iam.testPermissions(CONSUME);
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === UNIMPLEMENTED) return;
        throw code === NOT_FOUND ? missing() : new OperationalError(`cannot reach Pub/Sub ${resource}: ${(error as Error).message.split('\n')[0]}`);
      }
      if (!granted[CONSUME]) throw new OperationalError(`no permission to consume from ${resource} (grant roles/pubsub.subscriber)`);
    } catch (error) {
      // The client would go on retrying in the background and print its failures later; a retry
      // of check() (the start-up wait) opens a new one.
      const client = this.client;
      this.client = undefined;
      void client?.close().catch(() => undefined);
      throw error;
    }
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
