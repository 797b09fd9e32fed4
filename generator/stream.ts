import TinyQueue from 'tinyqueue';
import type { OrderEvent } from '../common/contract/order-event.generated.ts';
import type { ReasonCode } from '../common/contract/reasons.ts';
import { eventAttributes } from '../common/contract/attributes.ts';
import { Catalog, DEFAULT_SIZES, type CatalogSizes } from './catalog.ts';
import { historyClock, poissonClock, wallClockOf, type EventClock } from './event-clock.ts';
import { INVALID_KINDS, invalidMessage } from './invalid.ts';
import { applyTransition } from './lifecycle.ts';
import { dueCents, newOrder, rescalePayments, type OrderState } from './orders.ts';
import { Random } from './random.ts';
import { iso } from './time.ts';

export interface StreamOptions {
  seed: number;
  /** The event clock's start (ms since epoch). */
  startTime: number;
  /** Mean simulated seconds between events: the event clock's pace, independent of the publish rate. */
  eventInterval?: number;
  /**
   * A bounded history: exactly `messages` messages dated within [startTime, endTime) (ms since
   * epoch), so none is later than endTime, lifecycle updates included (they are sent only once the
   * clock reaches them). eventInterval is then unused.
   */
  history?: { endTime: number; messages: number };
  /**
   * Real time: the event clock is this wall clock (ms since epoch; never goes back), and
   * eventInterval is unused. A live feed's events then carry the time they are made, and lifecycle
   * updates come due as time passes (see lifecycleSpeed). The stream is then no longer a pure function of its options.
   */
  wallClock?: () => number;
  /**
   * Lifecycle delays (approval, invoicing, shipping, delivery, the shipping limit and delivery
   * estimate) divided by this: 1 is Olist's pace (delivered ~12 days after purchase); 1440 runs a
   * day of an order's life in a minute, so a short live run shows its updates. Default 1.
   */
  lifecycleSpeed?: number;
  duplicateRate?: number;
  invalidRate?: number;
  updateRate?: number;
  sizes?: CatalogSizes;
  source?: string;
  /** Orders whose later lifecycle events are still pending are bounded to keep memory flat. */
  maxOpenOrders?: number;
}

export type MessageKind = 'created' | 'updated' | 'duplicate' | 'invalid';

export interface GeneratedMessage {
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string;
  kind: MessageKind;
  /** The valid event carried (created, updated and duplicate messages). */
  event?: OrderEvent;
  /** The error_code the validator must give (invalid messages). */
  expectedError?: ReasonCode;
}

interface Pending {
  at: number;
  seq: number;
  state: OrderState;
  step: number;
}

export const DEFAULT_SOURCE = 'orderflow-generator';
const RECENT = 1000;
/** Share of invoiced/processing updates of multi-item orders that drop an item (replacing items and payments). */
const ITEM_DROP_SHARE = 0.1;

/**
 * The generator's event stream: a pure function of the options, so the same seed and start time
 * give byte-identical messages whatever consumes them and however fast.
 */
export class EventStream implements Iterator<GeneratedMessage> {
  readonly catalog: Catalog;
  private readonly rng: Random;
  private readonly pending = new TinyQueue<Pending>([], (a, b) => a.at - b.at || a.seq - b.seq);
  private readonly recent: GeneratedMessage[] = [];
  private readonly nextTime: EventClock;
  private clock: number;
  private orders = 0;
  private scheduled = 0;
  private readonly options: Required<Omit<StreamOptions, 'sizes' | 'wallClock' | 'history'>>;

  constructor(options: StreamOptions) {
    this.options = {
      eventInterval: 300,
      duplicateRate: 0,
      invalidRate: 0,
      updateRate: 0,
      source: DEFAULT_SOURCE,
      maxOpenOrders: 100_000,
      lifecycleSpeed: 1,
      ...options,
    };
    if (!(this.options.lifecycleSpeed >= 1)) throw new RangeError(`lifecycleSpeed must be 1 or more, got ${this.options.lifecycleSpeed}`);
    this.catalog = new Catalog(options.seed, options.sizes ?? DEFAULT_SIZES);
    // The catalog hangs off the seed alone; the stream also off the start time, so a restarted
    // generator (a new start time) makes new orders for the same customers and products.
    this.rng = new Random([options.seed, Math.floor(options.startTime / 1000)]);
    this.clock = options.startTime;
    this.nextTime = options.wallClock
      ? wallClockOf(options.wallClock, options.startTime)
      : options.history
        ? historyClock(options.startTime, options.history.endTime, options.history.messages)
        : poissonClock(options.startTime, this.options.eventInterval * 1000);
  }

  next(): IteratorResult<GeneratedMessage> {
    return { done: false, value: this.nextMessage() };
  }

  [Symbol.iterator](): this {
    return this;
  }

  nextMessage(): GeneratedMessage {
    const { duplicateRate, invalidRate, updateRate } = this.options;
    this.clock = this.nextTime(this.rng);
    const u = this.rng.next();
    if (u < duplicateRate && this.recent.length > 0) return { ...this.rng.element(this.recent), kind: 'duplicate' };
    if (u < duplicateRate + invalidRate) return this.invalid();
    const updateShare = updateRate / Math.max(1e-9, 1 - duplicateRate - invalidRate);
    const due = this.pending.peek();
    if (due && due.at <= this.clock && this.rng.chance(updateShare)) return this.remember(this.update());
    return this.remember(this.created());
  }

  private created(): GeneratedMessage {
    const state = newOrder(this.rng, this.catalog, this.clock, this.orders++, this.options.lifecycleSpeed);
    if (this.pending.length < this.options.maxOpenOrders) this.pending.push({ at: state.lifecycle.transitions[0]!.at, seq: this.scheduled++, state, step: 0 });
    return this.message('created', this.event(state, 'order_created', this.clock, true));
  }

  private update(): GeneratedMessage {
    const pending = this.pending.pop()!;
    const { state } = pending;
    const transition = state.lifecycle.transitions[pending.step]!;
    state.order = applyTransition(state.order, transition);
    let replacesLines = false;
    if ((transition.status === 'invoiced' || transition.status === 'processing') && state.items.length > 1 && this.rng.chance(ITEM_DROP_SHARE)) {
      state.items = state.items.slice(0, -1);
      state.payments = rescalePayments(state.payments, dueCents(state.items));
      replacesLines = true;
    }
    const next = state.lifecycle.transitions[pending.step + 1];
    if (next) this.pending.push({ at: next.at, seq: this.scheduled++, state, step: pending.step + 1 });
    return this.message('updated', this.event(state, 'order_updated', transition.at, replacesLines));
  }

  private invalid(): GeneratedMessage {
    const code = this.rng.element(INVALID_KINDS);
    const state = newOrder(this.rng, this.catalog, this.clock, this.orders, this.options.lifecycleSpeed);
    const event = this.event(state, 'order_created', this.clock, true);
    const attributes = { ...eventAttributes(event), expected_error: code };
    return { data: invalidMessage(code, event, this.rng), attributes, orderingKey: event.order.order_id, kind: 'invalid', expectedError: code };
  }

  private event(state: OrderState, type: OrderEvent['event_type'], at: number, withLines: boolean): OrderEvent {
    state.version += 1;
    return {
      event_id: `${state.order.order_id}.${state.version}`,
      event_type: type,
      event_time: iso(at),
      // Numbered per order (1 for its order_created): consumers' "latest" trusts it before event_time.
      event_sequence: state.version,
      schema_version: 1,
      source: this.options.source,
      order: { ...state.order },
      ...(withLines ? { items: [...state.items] as OrderEvent['items'], payments: [...state.payments] as OrderEvent['payments'] } : {}),
      ...(type === 'order_created' ? { customer: state.customer } : {}),
    };
  }

  private message(kind: MessageKind, event: OrderEvent): GeneratedMessage {
    return { data: Buffer.from(JSON.stringify(event)), attributes: eventAttributes(event), orderingKey: event.order.order_id, kind, event };
  }

  private remember(message: GeneratedMessage): GeneratedMessage {
    if (this.recent.length < RECENT) this.recent.push(message);
    else this.recent[this.rng.int(0, RECENT - 1)] = message;
    return message;
  }
}
