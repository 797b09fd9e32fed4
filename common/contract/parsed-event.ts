import type { Customer, OrderEvent } from './order-event.generated.ts';

/**
 * A valid event as the validator hands it on ("parse, don't validate"): every timestamp already an
 * exact instant (bigint microseconds since the epoch), every money value exact integer cents,
 * optional fields null. Split and both sinks read these values and never parse text again.
 */
export interface ParsedEvent {
  event_id: string;
  event_type: OrderEvent['event_type'];
  event_time: bigint;
  /** >= 1, or null when the producer does not number its events. */
  event_sequence: number | null;
  order: ParsedOrder;
  items: ParsedItem[] | null;
  payments: ParsedPayment[] | null;
  customer: Customer | null;
}

export interface ParsedOrder {
  order_id: string;
  customer_id: string;
  order_status: OrderEvent['order']['order_status'];
  order_purchase_timestamp: bigint;
  order_approved_at: bigint | null;
  order_delivered_carrier_date: bigint | null;
  order_delivered_customer_date: bigint | null;
  order_estimated_delivery_date: bigint | null;
}

export interface ParsedItem {
  order_item_id: number;
  product_id: string;
  seller_id: string;
  shipping_limit_date: bigint;
  /** Cents. */
  price: number;
  /** Cents. */
  freight_value: number;
}

export interface ParsedPayment {
  payment_sequential: number;
  payment_type: NonNullable<OrderEvent['payments']>[number]['payment_type'];
  payment_installments: number;
  /** Cents. */
  payment_value: number;
}
