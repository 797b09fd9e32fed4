import type { OrderEvent } from '../../common/contract/order-event.generated.ts';

export interface DayTotals {
  orders: number;
  items: number;
  priceCents: number;
  freightCents: number;
  paymentCents: number;
}

const cents = (value: number) => Math.round(value * 100);
const sequence = (event: OrderEvent) => (event as { event_sequence?: number }).event_sequence ?? 0;
/** The contract's "latest": greatest event_sequence (missing = 0), then event_time, then event_id (publish times are equal here). */
const later = (a: OrderEvent, b: OrderEvent) =>
  sequence(a) !== sequence(b)
    ? sequence(a) > sequence(b)
    : Date.parse(a.event_time) !== Date.parse(b.event_time)
      ? Date.parse(a.event_time) > Date.parse(b.event_time)
      : a.event_id > b.event_id;

/** The calendar date (YYYY-MM-DD) of an instant in an IANA time zone, by the runtime's tz database (not the engines'). */
export function localDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

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

/** Totals per local purchase date in the time zone. */
export function expectedTotals(events: readonly OrderEvent[], timeZone: string): Map<string, DayTotals> {
  const { latest, latestItems, latestPayments } = latestEvents(events);
  const days = new Map<string, DayTotals>();
  for (const [id, event] of latest) {
    const date = localDate(event.order.order_purchase_timestamp, timeZone);
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
