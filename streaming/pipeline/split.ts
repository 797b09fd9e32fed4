import { centsToDecimal } from '../../common/contract/money.ts';
import type { ParsedEvent } from '../../common/contract/parsed-event.ts';
import type { Flag } from '../../common/contract/reasons.ts';
import { microsFromDate, type RawRows, type Row } from '../rows.ts';
import type { InboundMessage } from './message.ts';

/**
 * Splits a valid event into rows for orders, order_items and order_payments (one key per table,
 * like Beam's tagged outputs), each carrying the event and message metadata. Takes the validator's
 * converted values as they are (timestamps in microseconds, money in cents): nothing is parsed here.
 * `ingested_at` stays null for the sink to stamp at write time (WRITE_TIME_COLUMN) unless
 * `ingestedAt` is given (rows replayed with a known history).
 */
export function split(event: ParsedEvent, flags: Flag[], message: InboundMessage, ingestedAt?: Date): RawRows {
  const meta = {
    event_id: event.event_id,
    event_type: event.event_type,
    event_time: event.event_time,
    event_sequence: event.event_sequence,
    message_id: message.id,
    publish_time: microsFromDate(message.publishTime),
    ingested_at: ingestedAt === undefined ? null : microsFromDate(ingestedAt),
  };
  const { order, customer } = event;
  const orders: Row[] = [
    {
      order_id: order.order_id,
      customer_id: order.customer_id,
      order_status: order.order_status,
      order_purchase_timestamp: order.order_purchase_timestamp,
      order_approved_at: order.order_approved_at,
      order_delivered_carrier_date: order.order_delivered_carrier_date,
      order_delivered_customer_date: order.order_delivered_customer_date,
      order_estimated_delivery_date: order.order_estimated_delivery_date,
      customer_unique_id: customer?.customer_unique_id ?? null,
      customer_zip_code_prefix: customer?.customer_zip_code_prefix ?? null,
      customer_city: customer?.customer_city ?? null,
      customer_state: customer?.customer_state ?? null,
      payment_mismatch: flags.includes('payment_mismatch'),
      no_items: flags.includes('no_items'),
      no_payments: flags.includes('no_payments'),
      timestamp_before_purchase: flags.includes('timestamp_before_purchase'),
      ...meta,
    },
  ];
  const order_items: Row[] = (event.items ?? []).map((item) => ({
    order_id: order.order_id,
    order_item_id: item.order_item_id,
    product_id: item.product_id,
    seller_id: item.seller_id,
    shipping_limit_date: item.shipping_limit_date,
    price: centsToDecimal(item.price),
    freight_value: centsToDecimal(item.freight_value),
    ...meta,
  }));
  const order_payments: Row[] = (event.payments ?? []).map((payment) => ({
    order_id: order.order_id,
    payment_sequential: payment.payment_sequential,
    payment_type: payment.payment_type,
    payment_installments: payment.payment_installments,
    payment_value: centsToDecimal(payment.payment_value),
    ...meta,
  }));
  return { orders, order_items, order_payments, dead_letter: [] };
}
