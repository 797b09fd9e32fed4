// Generated from schemas/order-event.v1.schema.json by `npm run gen:types`. Do not edit.

/**
 * RFC 3339 date-time with a Z or ±hh:mm offset (not +hh, not +hhmm), fraction up to 9 digits (microseconds kept), instant within 2000-01-01T00:00:00Z..2099-12-31T23:59:59Z.
 *
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "timestamp".
 */
export type Timestamp = string;
/**
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "hex32".
 */
export type Hex32 = string;
/**
 * A timestamp (as above), or null when not known yet.
 *
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "optionalTimestamp".
 */
export type OptionalTimestamp = string | null;
/**
 * BRL with at most 2 decimal places as written in the JSON text, no exponent (the validator checks the text; multipleOf is the nearest JSON Schema can say).
 *
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "money".
 */
export type Money = number;

/**
 * Order event contract, version 1: one Olist-shaped order event per Pub/Sub message. Unknown fields are allowed everywhere (tolerant reader). What the schema cannot say is enforced by the validator: timestamps on the exact grammar and in 2000-2099, money with at most 2 decimals as written, strings of valid Unicode (all `schema` reasons), and unique line numbers (rule:<name> reasons).
 */
export interface OrderEvent {
  /**
   * Unique per event; the dedupe key.
   */
  event_id: string;
  event_type: 'order_created' | 'order_updated';
  event_time: Timestamp;
  /**
   * The n-th event of this order (producer-numbered, increasing per order); decides the latest event before event_time. Optional. At most 2^53 - 1, the largest integer every JSON reader keeps exactly.
   */
  event_sequence?: number;
  schema_version: 1;
  /**
   * Producer name.
   */
  source?: string;
  order: Order;
  /**
   * When present, replaces the order's items; an order_created without items is accepted and flagged no_items.
   *
   * @minItems 1
   * @maxItems 100
   */
  items?: [Item, ...Item[]];
  /**
   * When present, replaces the order's payments; an order_created without payments is accepted and flagged no_payments.
   *
   * @minItems 1
   * @maxItems 50
   */
  payments?: [Payment, ...Payment[]];
  customer?: Customer;
}
/**
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "order".
 */
export interface Order {
  order_id: Hex32;
  customer_id: Hex32;
  order_status:
    'created' | 'approved' | 'invoiced' | 'processing' | 'shipped' | 'delivered' | 'canceled' | 'unavailable';
  order_purchase_timestamp: Timestamp;
  order_approved_at?: OptionalTimestamp;
  order_delivered_carrier_date?: OptionalTimestamp;
  order_delivered_customer_date?: OptionalTimestamp;
  order_estimated_delivery_date?: OptionalTimestamp;
}
/**
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "item".
 */
export interface Item {
  /**
   * Unique within the event.
   */
  order_item_id: number;
  product_id: Hex32;
  seller_id: Hex32;
  shipping_limit_date: Timestamp;
  /**
   * BRL with at most 2 decimal places as written in the JSON text, no exponent (the validator checks the text; multipleOf is the nearest JSON Schema can say).
   */
  price: number;
  /**
   * BRL with at most 2 decimal places as written in the JSON text, no exponent (the validator checks the text; multipleOf is the nearest JSON Schema can say).
   */
  freight_value: number;
}
/**
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "payment".
 */
export interface Payment {
  /**
   * Unique within the event.
   */
  payment_sequential: number;
  payment_type: 'credit_card' | 'boleto' | 'voucher' | 'debit_card' | 'not_defined';
  payment_installments: number;
  /**
   * BRL with at most 2 decimal places as written in the JSON text, no exponent (the validator checks the text; multipleOf is the nearest JSON Schema can say).
   */
  payment_value: number;
}
/**
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "customer".
 */
export interface Customer {
  customer_unique_id: Hex32;
  customer_zip_code_prefix: string;
  customer_city: string;
  customer_state: string;
}
