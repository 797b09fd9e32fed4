import type { OrderEvent } from '../../common/contract/order-event.generated.ts';

export interface DayTotals {
  orders: number;
  items: number;
  priceCents: number;
  freightCents: number;
  paymentCents: number;
}

const cents = (value: number) => Math.round(value * 100);
const later = (a: OrderEvent, b: OrderEvent) => a.event_time > b.event_time || (a.event_time === b.event_time && a.event_id > b.event_id);

/**
 * The latest event per order (its date, status), and the latest event carrying items (payments):
 * its current set. Computed straight from the generator's events, without SQL.
 */
function latestEvents(events: readonly OrderEvent[]) {
  const latest = new Map<string, OrderEvent>();
  const latestItems = new Map<string, OrderEvent>();
  const latestPayments = new Map<string, OrderEvent>();
  for (const event of events) {
    const id = event.order.order_id;
    const keep = (map: Map<string, OrderEvent>) => {
      const seen = map.get(id);
      if (!seen || later(event, seen)) map.set(id, event);
    };
    keep(latest);
    if (event.items) keep(latestItems);
    if (event.payments) keep(latestPayments);
  }
  return { latest, latestItems, latestPayments };
}

/** Each order's current payments in cents. */
export function expectedOrderPayments(events: readonly OrderEvent[]): Map<string, number> {
  const { latestPayments } = latestEvents(events);
  return new Map([...latestPayments].map(([id, event]) => [id, (event.payments ?? []).reduce((sum, p) => sum + cents(p.payment_value), 0)]));
}

/** Totals per purchase date. */
export function expectedTotals(events: readonly OrderEvent[]): Map<string, DayTotals> {
  const { latest, latestItems, latestPayments } = latestEvents(events);
  const days = new Map<string, DayTotals>();
  for (const [id, event] of latest) {
    const date = new Date(event.order.order_purchase_timestamp).toISOString().slice(0, 10);
    const day = days.get(date) ?? { orders: 0, items: 0, priceCents: 0, freightCents: 0, paymentCents: 0 };
    const items = latestItems.get(id)?.items ?? [];
    day.orders += 1;
    day.items += items.length;
    for (const item of items) {
      day.priceCents += cents(item.price);
      day.freightCents += cents(item.freight_value);
    }
    for (const payment of latestPayments.get(id)?.payments ?? []) day.paymentCents += cents(payment.payment_value);
    days.set(date, day);
  }
  return days;
}
