// Generated from schemas/order-event.v1.schema.json by `npm run gen:types`. Do not edit.

/**
 * RFC 3339 date-time with an offset (Z or +hh:mm).
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
 * RFC 3339 date-time with an offset, or null when not known yet.
 *
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "optionalTimestamp".
 */
export type OptionalTimestamp = string | null;
/**
 * BRL with at most 2 decimal places.
 *
 * This interface was referenced by `OrderEvent`'s JSON-Schema
 * via the `definition` "money".
 */
export type Money = number;

/**
 * Order event contract, version 1: one Olist-shaped order event per Pub/Sub message. Unknown fields are allowed everywhere (tolerant reader). The rules the schema cannot say (timestamps not before purchase, unique line numbers) are enforced by the validator as rule:<name> reasons.
 */
export interface OrderEvent {
  /**
   * Unique per event; the dedupe key.
   */
  event_id: string;
  event_type: 'order_created' | 'order_updated';
  event_time: Timestamp;
  schema_version: 1;
  /**
   * Producer name.
   */
  source?: string;
  order: Order;
  /**
   * Required for order_created; on order_updated, when present, replaces the order's items.
   *
   * @minItems 1
   * @maxItems 100
   */
  items?: [Item, ...Item[]];
  /**
   * Required for order_created; on order_updated, when present, replaces the order's payments.
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
   * BRL with at most 2 decimal places.
   */
  price: number;
  /**
   * BRL with at most 2 decimal places.
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
   * BRL with at most 2 decimal places.
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
