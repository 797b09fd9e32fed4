import { isUtf8 } from 'node:buffer';
import type { OrderEvent } from '../../common/contract/order-event.generated.ts';
import type { Flag, ReasonCode, Violation } from '../../common/contract/reasons.ts';
import { microsFromDate, money, toMicros, type RawRows, type Row } from '../../common/warehouse/rows.ts';
import type { InboundMessage } from './message.ts';

const optionalMicros = (value: string | null | undefined) => (value ? toMicros(value) : null);

/**
 * Splits a valid event into rows for orders, order_items and order_payments (one key per table,
 * like Beam's tagged outputs), each carrying the event and message metadata.
 */
export function split(event: OrderEvent, flags: Flag[], message: InboundMessage, ingestedAt: Date): RawRows {
  const meta = {
    event_id: event.event_id,
    event_type: event.event_type,
    event_time: toMicros(event.event_time),
    message_id: message.id,
    publish_time: microsFromDate(message.publishTime),
    ingested_at: microsFromDate(ingestedAt),
  };
  const { order, customer } = event;
  const orders: Row[] = [{
    order_id: order.order_id,
    customer_id: order.customer_id,
    order_status: order.order_status,
    order_purchase_timestamp: toMicros(order.order_purchase_timestamp),
    order_approved_at: optionalMicros(order.order_approved_at),
    order_delivered_carrier_date: optionalMicros(order.order_delivered_carrier_date),
    order_delivered_customer_date: optionalMicros(order.order_delivered_customer_date),
    order_estimated_delivery_date: optionalMicros(order.order_estimated_delivery_date),
    customer_unique_id: customer?.customer_unique_id ?? null,
    customer_zip_code_prefix: customer?.customer_zip_code_prefix ?? null,
    customer_city: customer?.customer_city ?? null,
    customer_state: customer?.customer_state ?? null,
    payment_mismatch: flags.includes('payment_mismatch'),
    ...meta,
  }];
  const order_items: Row[] = (event.items ?? []).map((item) => ({
    order_id: order.order_id,
    order_item_id: item.order_item_id,
    product_id: item.product_id,
    seller_id: item.seller_id,
    shipping_limit_date: toMicros(item.shipping_limit_date),
    price: money(item.price),
    freight_value: money(item.freight_value),
    ...meta,
  }));
  const order_payments: Row[] = (event.payments ?? []).map((payment) => ({
    order_id: order.order_id,
    payment_sequential: payment.payment_sequential,
    payment_type: payment.payment_type,
    payment_installments: payment.payment_installments,
    payment_value: money(payment.payment_value),
    ...meta,
  }));
  return { orders, order_items, order_payments, dead_letter: [] };
}

/** Why a message is dead-lettered: a contract reason, the warehouse refusing its rows for good, or Pub/Sub giving up on it. */
export type DeadLetterCode = ReasonCode | 'write_rejected' | 'delivery_exhausted';
export type DeadLetterReason = Omit<Violation, 'code'> & { code: DeadLetterCode };

/** The dead-letter row of a rejected message: its payload exactly as received, attributes and every reason. */
export function deadLetter(message: InboundMessage, errorCode: DeadLetterCode, errors: DeadLetterReason[], receivedAt: Date, eventId?: string): Row {
  const utf8 = isUtf8(message.data);
  return {
    message_id: message.id,
    publish_time: microsFromDate(message.publishTime),
    attributes: Object.entries(message.attributes).map(([key, value]) => ({ key, value })),
    ordering_key: message.orderingKey || null,
    payload: utf8 ? message.data.toString('utf8') : null,
    payload_base64: utf8 ? null : message.data.toString('base64'),
    event_id: eventId ?? null,
    error_code: errorCode,
    errors: errors.map(({ code, path, message: text }) => ({ code, path, message: text })),
    delivery_attempt: message.deliveryAttempt ?? null,
    received_at: microsFromDate(receivedAt),
    // Set on delivery_exhausted rows only (streaming/dead-letters/exhausted.ts).
    source_subscription: null,
    source_delivery_count: null,
    source_publish_time: null,
  };
}
