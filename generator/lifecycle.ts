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
 * on the way; or stuck, in Olist's proportions.
 */
export function planLifecycle(rng: Random, purchase: number): Lifecycle {
  const end = rng.pick(LIFECYCLE_END);
  const transitions: Transition[] = [];
  const step = (at: number, status: OrderStatus, set: Partial<Order> = {}) => transitions.push({ at: Math.round(at), status, set });

  if (end === 'canceled' && rng.chance(0.3)) {
    step(purchase + between(rng, HOUR, 48 * HOUR), 'canceled');
    return { estimatedDelivery: estimate(rng, purchase, 12 * DAY), transitions };
  }
  const approved = purchase + approvalDelay(rng);
  step(approved, 'approved', { order_approved_at: iso(approved) });
  if (end === 'canceled' || end === 'unavailable') {
    step(approved + between(rng, HOUR, 96 * HOUR), end);
    return { estimatedDelivery: estimate(rng, purchase, 12 * DAY), transitions };
  }
  const handled = approved + between(rng, 30 * MINUTE, 24 * HOUR);
  step(handled, end === 'processing' || (end !== 'invoiced' && rng.chance(0.35)) ? 'processing' : 'invoiced');
  if (end === 'invoiced' || end === 'processing') return { estimatedDelivery: estimate(rng, purchase, 12 * DAY), transitions };

  const carrier = Math.max(handled + HOUR, approved + rng.logNormal(2 * DAY, 2.8 * DAY));
  step(carrier, 'shipped', { order_delivered_carrier_date: iso(carrier) });
  const delivered = carrier + rng.logNormal(7 * DAY, 9 * DAY);
  if (end === 'shipped') return { estimatedDelivery: estimate(rng, purchase, delivered - purchase), transitions };
  step(delivered, 'delivered', { order_delivered_customer_date: iso(delivered) });
  return { estimatedDelivery: estimate(rng, purchase, delivered - purchase), transitions };
}

function approvalDelay(rng: Random): number {
  const u = rng.next();
  if (u < 0.7) return between(rng, MINUTE, HOUR);
  if (u < 0.95) return between(rng, HOUR, 24 * HOUR);
  return between(rng, 24 * HOUR, 72 * HOUR);
}

/** The promised date: midnight, ~10 days of margin over the actual delivery, so ~8% arrive late. */
function estimate(rng: Random, purchase: number, deliveryTime: number): number {
  const promised = purchase + Math.max(2 * DAY, deliveryTime + rng.normal(10 * DAY, 7 * DAY));
  return midnightUtc(promised) + DAY;
}

const between = (rng: Random, low: number, high: number) => low + (high - low) * rng.next();

export function applyTransition(order: Order, transition: Transition): Order {
  return { ...order, order_status: transition.status, ...transition.set };
}
