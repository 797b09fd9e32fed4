import type { Order } from '../common/contract/order-event.generated.ts';
import type { Random } from './random.ts';
import { LIFECYCLE_END } from './reference-data.ts';
import { DAY, HOUR, MINUTE, iso, midnightUtc } from './time.ts';

export type OrderStatus = Order['order_status'];

/** One step of an order's life: at `at` the order moves to `status`, setting the timestamps that go with it. */
export interface Transition {
  at: number;
  status: OrderStatus;
  set: Partial<Order>;
}

export interface Lifecycle {
  estimatedDelivery: number;
  transitions: Transition[];
}

/**
 * Plans an order's life from its purchase time: approved (minutes to hours), invoiced or processing,
 * shipped (~3 days), delivered (~12 days in all, ~8% after the estimate); or canceled / unavailable
 * on the way; or stuck, in Olist's proportions. `speed` divides every delay after the purchase
 * (1: Olist's pace; the draws are the same whatever the speed).
 */
export function planLifecycle(rng: Random, purchase: number, speed = 1): Lifecycle {
  const end = rng.pick(LIFECYCLE_END);
  const transitions: Transition[] = [];
  const at = (time: number) => Math.round(compress(purchase, time, speed));
  // `stamps` names the order's timestamp column this step sets to its time.
  const step = (time: number, status: OrderStatus, stamps?: 'order_approved_at' | 'order_delivered_carrier_date' | 'order_delivered_customer_date') =>
    transitions.push({ at: at(time), status, set: stamps ? { [stamps]: iso(compress(purchase, time, speed)) } : {} });
  const estimate = (deliveryTime: number) => at(estimateDelivery(rng, purchase, deliveryTime));

  if (end === 'canceled' && rng.chance(0.3)) {
    step(purchase + between(rng, HOUR, 48 * HOUR), 'canceled');
    return { estimatedDelivery: estimate(12 * DAY), transitions };
  }
  const approved = purchase + approvalDelay(rng);
  step(approved, 'approved', 'order_approved_at');
  if (end === 'canceled' || end === 'unavailable') {
    step(approved + between(rng, HOUR, 96 * HOUR), end);
    return { estimatedDelivery: estimate(12 * DAY), transitions };
  }
  const handled = approved + between(rng, 30 * MINUTE, 24 * HOUR);
  step(handled, end === 'processing' || (end !== 'invoiced' && rng.chance(0.35)) ? 'processing' : 'invoiced');
  if (end === 'invoiced' || end === 'processing') return { estimatedDelivery: estimate(12 * DAY), transitions };

  const carrier = Math.max(handled + HOUR, approved + rng.logNormal(2 * DAY, 2.8 * DAY));
  step(carrier, 'shipped', 'order_delivered_carrier_date');
  const delivered = carrier + rng.logNormal(7 * DAY, 9 * DAY);
  if (end === 'shipped') return { estimatedDelivery: estimate(delivered - purchase), transitions };
  step(delivered, 'delivered', 'order_delivered_customer_date');
  return { estimatedDelivery: estimate(delivered - purchase), transitions };
}

/** `time`, an instant after `purchase`, with the delay since the purchase divided by `speed`. */
export const compress = (purchase: number, time: number, speed: number) => (speed === 1 ? time : purchase + (time - purchase) / speed);

function approvalDelay(rng: Random): number {
  const u = rng.next();
  if (u < 0.7) return between(rng, MINUTE, HOUR);
  if (u < 0.95) return between(rng, HOUR, 24 * HOUR);
  return between(rng, 24 * HOUR, 72 * HOUR);
}

/** The promised date: midnight, ~10 days of margin over the actual delivery, so ~8% arrive late. */
function estimateDelivery(rng: Random, purchase: number, deliveryTime: number): number {
  const promised = purchase + Math.max(2 * DAY, deliveryTime + rng.normal(10 * DAY, 7 * DAY));
  return midnightUtc(promised) + DAY;
}

const between = (rng: Random, low: number, high: number) => low + (high - low) * rng.next();

export function applyTransition(order: Order, transition: Transition): Order {
  return { ...order, order_status: transition.status, ...transition.set };
}
