import { DeadlineWheel, type Scheduled } from './deadline-wheel.ts';
import { Deque } from './deque.ts';
import type { FaultOptions } from './faults.ts';
import { type AttributeFilter, parseFilter } from './filter.ts';
import type { MessageFields, StoredMessage } from './message.ts';
import { durationMs, type SubscriptionResource } from './resources.ts';

/** One message's life in one subscription: waiting, leased to a consumer, held back, or done. */
export class Delivery implements Scheduled {
  ackId = '';
  attempts = 0;
  slot = -1;
  state: 'ready' | 'leased' | 'delayed' | 'done' = 'ready';
  holder: Consumer | null = null;
  duplicated = false;
  /** Its ordering key when the subscription delivers in order, else ''. */
  orderingKey = '';

  constructor(readonly message: StoredMessage) {}

  get size(): number {
    return this.message.size;
  }
}

/** A StreamingPull stream as the subscription sees it: flow-control room and a way to send. */
export interface Consumer {
  readonly ackDeadlineMs: number;
  /** How many more messages, and bytes, it takes now (its flow control and its stream's backpressure). */
  roomMessages(): number;
  roomBytes(): number;
  deliver(deliveries: Delivery[]): void;
  /** A lease it held ended (ack, nack, expiry): frees its flow-control room. */
  released(delivery: Delivery): void;
  /** The subscription was deleted under it. */
  subscriptionDeleted(): void;
}

export interface SubscriptionHooks {
  faults: FaultOptions;
  random: () => number;
  /** Publishes a message that ran out of delivery attempts to the dead-letter topic. */
  deadLetter(subscription: Subscription, delivery: Delivery): void;
  /** The subscription holds / no longer holds the message (the broker's memory bound). */
  hold(message: StoredMessage): void;
  release(message: StoredMessage): void;
}

interface PullWaiter {
  max: number;
  resolve(deliveries: Delivery[]): void;
}

// One response carries at most this many messages: big enough to amortise, small enough for the
// client's 4 MiB receive limit with 1 KB messages.
const MAX_BATCH = 1000;
const MAX_BATCH_BYTES = 3 * 1024 * 1024;
const DEFAULT_ACK_DEADLINE_S = 10;
const DEFAULT_MIN_BACKOFF_MS = 10_000;
const DEFAULT_MAX_BACKOFF_MS = 600_000;
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;

let subscriptionCount = 0;

/**
 * The state of one subscription: messages waiting, leases with their deadlines, consumers.
 * Every operation is O(1) per message (maps keyed by ack id, a deque, a deadline wheel).
 */
export class Subscription {
  readonly ready = new Deque<Delivery>();
  readonly leases = new Map<string, Delivery>();
  private readonly consumers: Consumer[] = [];
  private readonly waiters: PullWaiter[] = [];
  private readonly wheel = new DeadlineWheel<Delivery>((due) => this.onDue(due));
  private readonly ackIdPrefix = `${(++subscriptionCount).toString(36)}-`;
  private ackSeq = 0;
  private nextConsumer = 0;
  private dispatchScheduled = false;
  private deleted = false;
  private delayedCount = 0;
  /**
   * Ordered delivery: a key has an entry while one of its messages is out (ready, leased or held
   * back); the key's later messages wait in the entry's queue until that one is acked or dead-lettered.
   */
  private readonly keyQueues = new Map<string, Deque<Delivery>>();
  private keyQueued = 0;
  /** From `filter`, fixed at creation as the service's is. */
  readonly filter: AttributeFilter | null;
  readonly ordered: boolean;

  constructor(
    readonly resource: SubscriptionResource,
    private readonly hooks: SubscriptionHooks,
  ) {
    this.filter = resource.filter ? parseFilter(resource.filter) : null;
    this.ordered = resource.enableMessageOrdering === true;
  }

  /** Whether enqueue() needs each message's attributes or ordering key. */
  get needsFields(): boolean {
    return this.filter !== null || this.ordered;
  }

  get retentionMs(): number {
    return durationMs(this.resource.messageRetentionDuration, DEFAULT_RETENTION_MS);
  }

  get ackDeadlineMs(): number {
    return (this.resource.ackDeadlineSeconds || DEFAULT_ACK_DEADLINE_S) * 1000;
  }

  get maxDeliveryAttempts(): number {
    return this.resource.deadLetterPolicy?.deadLetterTopic ? this.resource.deadLetterPolicy.maxDeliveryAttempts || 5 : 0;
  }

  /**
   * Takes newly published messages. `fields` (each message's attributes and ordering key, read
   * once per publish) is given when needsFields: messages the filter rejects are acknowledged at
   * once, that is never stored; with ordering, a key's messages go out one at a time in order.
   */
  enqueue(messages: readonly StoredMessage[], fields: readonly MessageFields[] | null): void {
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as StoredMessage;
      const messageFields = fields?.[i];
      if (!this.accepts(messageFields)) continue;
      const delivery = new Delivery(message);
      if (this.ordered) delivery.orderingKey = messageFields?.orderingKey ?? '';
      this.hooks.hold(message);
      this.admit(delivery);
    }
    this.scheduleDispatch();
  }

  /** Whether the filter (if any) lets the message in; fields are given whenever needsFields. */
  accepts(fields: MessageFields | undefined): boolean {
    return this.filter === null || this.filter(fields?.attributes ?? {});
  }

  private admit(delivery: Delivery): void {
    const key = delivery.orderingKey;
    if (key) {
      const queue = this.keyQueues.get(key);
      if (queue) {
        queue.push(delivery);
        this.keyQueued++;
        return;
      }
      this.keyQueues.set(key, new Deque());
    }
    this.makeAvailable(delivery);
  }

  /** The message is done here (acked, dead-lettered, past retention): its key's next one may go. */
  private finish(delivery: Delivery): void {
    delivery.state = 'done';
    this.hooks.release(delivery.message);
    const key = delivery.orderingKey;
    if (!key) return;
    const queue = this.keyQueues.get(key);
    const next = queue?.shift();
    if (next) {
      this.keyQueued--;
      this.makeAvailable(next);
    } else this.keyQueues.delete(key);
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.scheduleDispatch();
  }

  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
  }

  /** Unary Pull: leases up to max ready messages now, or waits for some until the signal aborts. */
  pull(max: number, waitForMessages: boolean, signal?: AbortSignal): Promise<Delivery[]> {
    if (this.ready.length > 0 || !waitForMessages || signal?.aborted) return Promise.resolve(this.leaseBatch(max, null, this.ackDeadlineMs));
    return new Promise((resolve) => {
      const waiter: PullWaiter = { max, resolve };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) {
          this.waiters.splice(index, 1);
          resolve([]);
        }
      });
    });
  }

  acknowledge(ackIds: readonly string[]): void {
    const { duplicateRate } = this.hooks.faults;
    for (const ackId of ackIds) {
      const delivery = this.leases.get(ackId);
      // Stale or unknown ack ids are ignored, as the real service does without exactly-once delivery.
      if (!delivery) continue;
      this.endLease(delivery);
      if (duplicateRate > 0 && !delivery.duplicated && this.hooks.random() < duplicateRate) {
        delivery.duplicated = true;
        this.makeAvailable(delivery);
      } else this.finish(delivery);
    }
    this.scheduleDispatch();
  }

  /** ModifyAckDeadline: 0 is a nack; otherwise the lease runs for `seconds` from now. */
  modifyAckDeadline(ackIds: readonly string[], seconds: number): void {
    const now = Date.now();
    for (const ackId of ackIds) {
      const delivery = this.leases.get(ackId);
      if (!delivery) continue;
      if (seconds > 0) this.wheel.add(delivery, now + seconds * 1000);
      else {
        this.endLease(delivery);
        this.retryOrDeadLetter(delivery);
      }
    }
    this.scheduleDispatch();
  }

  /**
   * A push request's outcome for one lease: acked, or a failed attempt, held back for the retry
   * policy's backoff or, without one, for `fallbackBackoffMs` (push's own backoff).
   */
  settle(ackId: string, acked: boolean, fallbackBackoffMs: number): void {
    if (acked) return this.acknowledge([ackId]);
    const delivery = this.leases.get(ackId);
    if (!delivery) return;
    this.endLease(delivery);
    this.retryOrDeadLetter(delivery, fallbackBackoffMs);
    this.scheduleDispatch();
  }

  /** Number of messages not yet acknowledged (waiting, leased, held back, or behind their ordering key). */
  get backlog(): number {
    return this.ready.length + this.leases.size + this.delayedCount + this.keyQueued;
  }

  /**
   * Seek to a time: messages published before it count as acknowledged, those published at or
   * after it as unacknowledged (leases end; they are delivered again, in publish order). Only
   * messages still held can come back: acknowledged ones are not retained (retain_acked_messages
   * is not emulated).
   */
  seek(timeMs: number): void {
    const all = this.takeAll();
    // Ids are increasing numbers: their order is the publish order.
    all.sort((a, b) => Number(a.message.id) - Number(b.message.id));
    for (const delivery of all) {
      if (delivery.message.publishTimeMs < timeMs) {
        delivery.state = 'done';
        this.hooks.release(delivery.message);
      } else this.admit(delivery);
    }
    this.scheduleDispatch();
  }

  /** Every message the subscription holds, taken out of its queues, leases and timers. */
  private takeAll(): Delivery[] {
    const all: Delivery[] = [];
    for (const delivery of [...this.leases.values()]) {
      this.endLease(delivery);
      all.push(delivery);
    }
    for (const delivery of this.wheel.items()) {
      this.wheel.remove(delivery);
      all.push(delivery);
    }
    this.delayedCount = 0;
    for (let delivery = this.ready.shift(); delivery; delivery = this.ready.shift()) all.push(delivery);
    for (const queue of this.keyQueues.values()) for (let delivery = queue.shift(); delivery; delivery = queue.shift()) all.push(delivery);
    this.keyQueues.clear();
    this.keyQueued = 0;
    return all;
  }

  /**
   * Publish time (ms) of the oldest message not yet acknowledged, waiting or leased (Cloud
   * Monitoring's oldest_unacked_message_age); undefined when there is none. O(backlog): for status
   * queries, not the delivery path.
   */
  oldestUnackedPublishTimeMs(): number | undefined {
    let oldest: number | undefined;
    for (const delivery of this.ready) if (oldest === undefined || delivery.message.publishTimeMs < oldest) oldest = delivery.message.publishTimeMs;
    for (const delivery of this.leases.values()) if (oldest === undefined || delivery.message.publishTimeMs < oldest) oldest = delivery.message.publishTimeMs;
    return oldest;
  }

  /** Stops timers and answers waiting pulls; the subscription takes no more messages. */
  delete(): void {
    this.deleted = true;
    for (const delivery of this.takeAll()) this.hooks.release(delivery.message);
    this.wheel.clear();
    for (const waiter of this.waiters.splice(0)) waiter.resolve([]);
    for (const consumer of this.consumers.splice(0)) consumer.subscriptionDeleted();
  }

  get isDeleted(): boolean {
    return this.deleted;
  }

  scheduleDispatch(): void {
    if (this.dispatchScheduled || this.deleted) return;
    this.dispatchScheduled = true;
    // Coalesces the dispatches of a burst of publishes/acks into one pass.
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.ready.length > 0 && this.waiters.length > 0) {
      const waiter = this.waiters.shift() as PullWaiter;
      waiter.resolve(this.leaseBatch(waiter.max, null, this.ackDeadlineMs));
    }
    let progress = true;
    while (this.ready.length > 0 && progress && this.consumers.length > 0) {
      progress = false;
      // Share what is ready across the consumers with room, round robin, so subscribers split the load.
      const share = Math.ceil(this.ready.length / this.consumers.length);
      for (let n = 0; n < this.consumers.length && this.ready.length > 0; n++) {
        const consumer = this.consumers[this.nextConsumer++ % this.consumers.length] as Consumer;
        const room = Math.min(consumer.roomMessages(), share, MAX_BATCH);
        if (room <= 0) continue;
        const batch = this.leaseBatch(room, consumer, consumer.ackDeadlineMs, Math.min(consumer.roomBytes(), MAX_BATCH_BYTES));
        if (batch.length === 0) continue;
        progress = true;
        consumer.deliver(batch);
      }
    }
  }

  /** Takes up to max messages (and, past the first, up to maxBytes) and leases them. */
  private leaseBatch(max: number, holder: Consumer | null, deadlineMs: number, maxBytes = MAX_BATCH_BYTES): Delivery[] {
    const batch: Delivery[] = [];
    const now = Date.now();
    const deadline = now + deadlineMs;
    const oldest = now - this.retentionMs;
    let bytes = 0;
    if (maxBytes <= 0) return batch;
    while (batch.length < max && this.ready.length > 0) {
      const next = this.ready.peek() as Delivery;
      if (next.message.publishTimeMs < oldest) {
        // Past the subscription's message_retention_duration: dropped, never delivered.
        this.ready.shift();
        this.finish(next);
        continue;
      }
      // The first message always goes, however big: one over the byte limit is what the service allows too.
      if (batch.length > 0 && bytes + next.size > maxBytes) break;
      this.ready.shift();
      bytes += next.size;
      next.ackId = this.ackIdPrefix + (++this.ackSeq).toString(36);
      next.attempts++;
      next.state = 'leased';
      next.holder = holder;
      this.leases.set(next.ackId, next);
      this.wheel.add(next, deadline);
      batch.push(next);
    }
    return batch;
  }

  private endLease(delivery: Delivery): void {
    this.leases.delete(delivery.ackId);
    this.wheel.remove(delivery);
    const holder = delivery.holder;
    delivery.holder = null;
    holder?.released(delivery);
  }

  private retryOrDeadLetter(delivery: Delivery, fallbackBackoffMs = 0): void {
    const maxAttempts = this.maxDeliveryAttempts;
    if (maxAttempts > 0 && delivery.attempts >= maxAttempts) {
      this.hooks.deadLetter(this, delivery);
      this.finish(delivery);
      return;
    }
    const policy = this.resource.retryPolicy;
    if (!policy) {
      if (fallbackBackoffMs > 0) this.holdBack(delivery, fallbackBackoffMs);
      else this.makeAvailable(delivery);
      return;
    }
    // Exponential backoff from the minimum, doubling per failed attempt, capped at the maximum.
    const min = durationMs(policy.minimumBackoff, DEFAULT_MIN_BACKOFF_MS);
    const max = durationMs(policy.maximumBackoff, DEFAULT_MAX_BACKOFF_MS);
    this.holdBack(delivery, Math.min(max, min * 2 ** Math.max(0, delivery.attempts - 1)));
  }

  private makeAvailable(delivery: Delivery): void {
    const { delayRate, delayMs } = this.hooks.faults;
    if (delayMs > 0 && delayRate > 0 && this.hooks.random() < delayRate) this.holdBack(delivery, delayMs);
    else {
      delivery.state = 'ready';
      this.ready.push(delivery);
    }
  }

  private holdBack(delivery: Delivery, ms: number): void {
    delivery.state = 'delayed';
    this.delayedCount++;
    this.wheel.add(delivery, Date.now() + ms);
  }

  private onDue(due: Delivery[]): void {
    for (const delivery of due) {
      if (delivery.state === 'leased') {
        // The lease ran out: count the attempt as failed, exactly like a nack.
        this.endLease(delivery);
        this.retryOrDeadLetter(delivery);
      } else if (delivery.state === 'delayed') {
        this.delayedCount--;
        delivery.state = 'ready';
        this.ready.push(delivery);
      }
    }
    this.scheduleDispatch();
  }
}
