import type { OrderEvent } from './order-event.generated.ts';
import type { Flag } from './reasons.ts';

const cents = (value: number) => Math.round(value * 100);

/** Flags on a valid event. payment_mismatch needs both sides, so an update carrying only one is never flagged. */
export function flagsOf(event: OrderEvent): Flag[] {
  if (!event.items || !event.payments) return [];
  const due = event.items.reduce((sum, item) => sum + cents(item.price) + cents(item.freight_value), 0);
  const paid = event.payments.reduce((sum, payment) => sum + cents(payment.payment_value), 0);
  return Math.abs(paid - due) > 1 ? ['payment_mismatch'] : [];
}
