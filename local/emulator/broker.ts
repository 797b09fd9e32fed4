import { type FaultOptions, seededRandom } from './faults.ts';
import { DEFAULT_MAX_HELD_BYTES, DEFAULT_PUSH_MAX_CONCURRENCY } from './limits.ts';
import { parseFilter } from './filter.ts';
import { isEmptyMessage, type MessageFields, messageBytes, readMessageFields, stampMessages, type StoredMessage } from './message.ts';
import {
  alreadyExists,
  durationMs,
  invalidArgument,
  notFound,
  parseSubscriptionName,
  parseTopicName,
  resourceExhausted,
  RpcError,
  type SubscriptionResource,
  type TopicResource,
} from './resources.ts';
import { status } from '@grpc/grpc-js';
import { type PushConfigResource, PushConsumer, type PushOptions, validPushConfig } from './push.ts';
import { PushTokenSigner } from './push-token.ts';
import { type Delivery, Subscription } from './subscription.ts';

const DELETED_TOPIC = '_deleted-topic_';
const MIN_ACK_DEADLINE_S = 1;
const MAX_ACK_DEADLINE_S = 600;
// The service allows 10 minutes to 31 days; shorter (down to 1 s) is allowed here to keep tests quick.
const MIN_RETENTION_MS = 1000;
const MAX_RETENTION_MS = 31 * 24 * 3600 * 1000;
const DEFAULT_RETENTION = { seconds: '604800' };

export interface Topic {
  resource: TopicResource;
  subscriptions: Set<Subscription>;
}

/** Every topic and subscription of the emulator, and the routing of published messages. */
export class Broker {
  readonly topics = new Map<string, Topic>();
  readonly subscriptions = new Map<string, Subscription>();
  private readonly random: () => number;
  private readonly pushers = new Map<Subscription, PushConsumer>();
  /** Bytes of the messages some subscription still holds. */
  private held = 0;

  constructor(
    readonly faults: FaultOptions,
    readonly push: PushOptions = { maxConcurrency: DEFAULT_PUSH_MAX_CONCURRENCY, tokens: new PushTokenSigner() },
    /** Publishing beyond this many held message bytes fails with RESOURCE_EXHAUSTED. */
    readonly maxHeldBytes = DEFAULT_MAX_HELD_BYTES,
  ) {
    this.random = seededRandom(faults.seed);
  }

  /** Bytes of published messages not yet acknowledged by every subscription that got them. */
  get heldBytes(): number {
    return this.held;
  }

  createTopic(resource: TopicResource): TopicResource {
    parseTopicName(resource.name);
    if (this.topics.has(resource.name)) throw alreadyExists('Topic');
    this.topics.set(resource.name, { resource, subscriptions: new Set() });
    return resource;
  }

  getTopic(name: string): Topic {
    const topic = this.topics.get(name);
    if (!topic) throw notFound(name);
    return topic;
  }

  deleteTopic(name: string): void {
    const topic = this.getTopic(name);
    this.topics.delete(name);
    // Like the service: the subscriptions stay, detached from any topic.
    for (const subscription of topic.subscriptions) subscription.resource.topic = DELETED_TOPIC;
  }

  /** Stamps and stores the messages for every subscription of the topic; returns their ids. */
  publish(topicName: string, rawMessages: readonly Buffer[]): string[] {
    const topic = this.getTopic(topicName);
    if (rawMessages.length === 0) throw invalidArgument('The request contains no messages.');
    for (const raw of rawMessages) if (isEmptyMessage(raw)) throw invalidArgument('Some messages in the publish request are empty.');
    const stored = stampMessages(rawMessages, Date.now());
    this.route(topic, stored, true);
    return stored.map((message) => message.id);
  }

  createSubscription(resource: SubscriptionResource): SubscriptionResource {
    parseSubscriptionName(resource.name);
    if (this.subscriptions.has(resource.name)) throw alreadyExists('Subscription');
    const topic = this.getTopic(resource.topic);
    const stored = this.validSubscription(resource);
    const subscription = new Subscription(stored, {
      faults: this.faults,
      random: this.random,
      deadLetter: (source, delivery) => this.deadLetter(source, delivery),
      hold: (message) => {
        if (message.refs++ === 0) this.held += message.size;
      },
      release: (message) => {
        if (--message.refs === 0) this.held -= message.size;
      },
    });
    this.subscriptions.set(resource.name, subscription);
    topic.subscriptions.add(subscription);
    this.syncPush(subscription);
    return stored;
  }

  /** ModifyPushConfig: an endpoint starts push delivery, an empty config makes it a pull subscription. */
  modifyPushConfig(name: string, config: PushConfigResource): void {
    const subscription = this.getSubscription(name);
    validPushConfig(config);
    subscription.resource.pushConfig = config;
    this.syncPush(subscription);
  }

  /** The push consumer a subscription's push config asks for (a new one on any change), or none. */
  pusher(subscription: Subscription): PushConsumer | undefined {
    return this.pushers.get(subscription);
  }

  private syncPush(subscription: Subscription): void {
    const current = this.pushers.get(subscription);
    if (current) {
      subscription.removeConsumer(current);
      current.close();
      this.pushers.delete(subscription);
    }
    const config = subscription.resource.pushConfig;
    if (!config?.pushEndpoint) return;
    const pusher = new PushConsumer(subscription, config, this.push);
    this.pushers.set(subscription, pusher);
    subscription.addConsumer(pusher);
  }

  /** UpdateSubscription: takes the fields the mask names, checked as on creation. */
  updateSubscription(update: SubscriptionResource, paths: readonly string[]): SubscriptionResource {
    const subscription = this.getSubscription(update.name);
    // The filter and message ordering are fixed at creation, as the service's are.
    const next = this.validSubscription(applyMask(subscription.resource, update, paths, ['name', 'topic', 'filter', 'enableMessageOrdering']));
    // The Subscription keeps a reference to its resource: change it in place.
    for (const key of Object.keys(subscription.resource)) if (!(key in next)) delete subscription.resource[key];
    Object.assign(subscription.resource, next);
    if (paths.some((path) => path.startsWith('push_config') || path.startsWith('pushConfig'))) this.syncPush(subscription);
    return subscription.resource;
  }

  /** UpdateTopic: takes the fields the mask names. */
  updateTopic(update: TopicResource, paths: readonly string[]): TopicResource {
    const topic = this.getTopic(update.name);
    topic.resource = applyMask(topic.resource, update, paths, ['name']);
    return topic.resource;
  }

  /** A copy with the defaults filled in, or an INVALID_ARGUMENT/NOT_FOUND as the service answers. */
  private validSubscription(resource: SubscriptionResource): SubscriptionResource {
    const deadline = resource.ackDeadlineSeconds || 10;
    // The real minimum is 10 s; shorter deadlines (down to 1 s) are allowed here to keep tests quick.
    if (deadline < MIN_ACK_DEADLINE_S || deadline > MAX_ACK_DEADLINE_S) throw invalidArgument(`Invalid ack deadline given: ${deadline}`);
    validPushConfig(resource.pushConfig);
    if (resource.filter) parseFilter(resource.filter);
    const retention = resource.messageRetentionDuration ?? DEFAULT_RETENTION;
    const retentionMs = durationMs(retention, 0);
    if (retentionMs < MIN_RETENTION_MS || retentionMs > MAX_RETENTION_MS)
      throw invalidArgument(`Invalid message_retention_duration: ${retentionMs / 1000} s; it must be from 10 minutes (1 s here) to 31 days.`);
    const valid: SubscriptionResource = { ...resource, ackDeadlineSeconds: deadline, messageRetentionDuration: retention };
    const policy = resource.deadLetterPolicy;
    if (policy?.deadLetterTopic) {
      if (!this.topics.has(policy.deadLetterTopic)) throw notFound(policy.deadLetterTopic);
      const attempts = policy.maxDeliveryAttempts || 5;
      if (attempts < 5 || attempts > 100) throw invalidArgument('max_delivery_attempts must be between 5 and 100');
      valid.deadLetterPolicy = { ...policy, maxDeliveryAttempts: attempts };
    }
    return valid;
  }

  getSubscription(name: string): Subscription {
    const subscription = this.subscriptions.get(name);
    if (!subscription) throw notFound(name);
    return subscription;
  }

  deleteSubscription(name: string): void {
    const subscription = this.getSubscription(name);
    this.subscriptions.delete(name);
    this.pushers.delete(subscription);
    this.topics.get(subscription.resource.topic)?.subscriptions.delete(subscription);
    subscription.delete();
  }

  /** Stops every subscription's timers (server shutdown). */
  close(): void {
    for (const subscription of this.subscriptions.values()) subscription.delete();
    this.subscriptions.clear();
    this.pushers.clear();
    this.topics.clear();
  }

  /** Seek: see Subscription.seek. Snapshots are not emulated. */
  seek(name: string, timeMs: number | undefined): void {
    const subscription = this.getSubscription(name);
    if (timeMs === undefined) throw new RpcError(status.UNIMPLEMENTED, 'Seek to a snapshot is not emulated; seek to a time.');
    subscription.seek(timeMs);
  }

  /**
   * Hands the messages to every subscription of the topic. With `bounded` (a client's publish), a
   * publish that would take the bytes held past maxHeldBytes fails instead, with nothing routed;
   * dead-lettered messages are always routed.
   */
  private route(topic: Topic, messages: readonly StoredMessage[], bounded: boolean): void {
    // Attributes and ordering keys are read once per publish, and only when a subscription needs them.
    let fields: MessageFields[] | null = null;
    for (const subscription of topic.subscriptions) if (subscription.needsFields) fields ??= messages.map((message) => readMessageFields(message.body));
    if (bounded) {
      // Only what some subscription will hold counts: not messages every filter rejects, nor a topic without subscriptions.
      let bytes = 0;
      for (let i = 0; i < messages.length; i++) {
        for (const subscription of topic.subscriptions) {
          if (subscription.accepts(fields?.[i])) {
            bytes += (messages[i] as StoredMessage).size;
            break;
          }
        }
      }
      if (bytes > 0 && this.held + bytes > this.maxHeldBytes) {
        throw resourceExhausted(
          `The emulator holds ${this.held} bytes of unacknowledged messages; this publish of ${bytes} bytes would pass its limit of ${this.maxHeldBytes} (--max-held-bytes). Ack messages or raise the limit.`,
        );
      }
    }
    for (const subscription of topic.subscriptions) subscription.enqueue(messages, subscription.needsFields ? fields : null);
  }

  /** Forwards the message to the dead-letter topic with the CloudPubSubDeadLetterSource* attributes. */
  private deadLetter(source: Subscription, delivery: Delivery): void {
    const topic = this.topics.get(source.resource.deadLetterPolicy?.deadLetterTopic ?? '');
    // Messages published to a topic that no longer exists are lost, as with the service.
    if (!topic) return;
    const { project, id } = parseSubscriptionName(source.resource.name);
    const forwarded = stampMessages([messageBytes(delivery.message)], Date.now(), {
      CloudPubSubDeadLetterSourceDeliveryCount: String(delivery.attempts),
      CloudPubSubDeadLetterSourceSubscription: id,
      CloudPubSubDeadLetterSourceSubscriptionProject: project,
      CloudPubSubDeadLetterSourceTopicPublishTime: new Date(delivery.message.publishTimeMs).toISOString(),
    });
    this.route(topic, forwarded, false);
  }
}

/** The resource with the fields named by an update mask (snake_case paths) taken from the update. */
function applyMask<T extends { name: string }>(current: T, update: T, paths: readonly string[], fixed: readonly string[]): T {
  if (paths.length === 0) throw invalidArgument('The update_mask must name at least one field.');
  const next: Record<string, unknown> = { ...current };
  for (const path of paths) {
    const key = path.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    if (fixed.includes(key) || path.includes('.')) throw invalidArgument(`Invalid update_mask provided: ${path}`);
    const value = (update as Record<string, unknown>)[key];
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as T;
}
