import type { ParsedEvent } from './parsed-event.ts';
import type { Flag } from './reasons.ts';

const LATER_THAN_PURCHASE = ['order_approved_at', 'order_delivered_carrier_date', 'order_delivered_customer_date'] as const;

/**
 * Flags on a valid event (event contract, "Flags"): accepted and kept, marked on its orders row.
 * payment_mismatch needs both sides, so an update carrying only one is never flagged; no_items and
 * no_payments concern order_created only (an update without them changes neither set).
 */
export function flagsOf(event: ParsedEvent): Flag[] {
  const flags: Flag[] = [];
  if (event.items && event.payments) {
    const due = event.items.reduce((sum, item) => sum + item.price + item.freight_value, 0);
    const paid = event.payments.reduce((sum, payment) => sum + payment.payment_value, 0);
    if (Math.abs(paid - due) > 1) flags.push('payment_mismatch');
  }
  if (event.event_type === 'order_created' && !event.items) flags.push('no_items');
  if (event.event_type === 'order_created' && !event.payments) flags.push('no_payments');
  const { order } = event;
  if (LATER_THAN_PURCHASE.some((field) => order[field] !== null && order[field]! < order.order_purchase_timestamp)) flags.push('timestamp_before_purchase');
  return flags;
}
