import type { Row } from './files.ts';
import type { SourceClock } from './local-time.ts';

/** One order's rows from the four files: items and payments in file order; customer when the file has it. */
export interface OrderRows {
  order: Row<'orders'>;
  items: readonly Row<'items'>[];
  payments: readonly Row<'payments'>[];
  customer?: Row<'customers'>;
}

/** One contract event as the bytes to publish, with what its attributes and ordering key need. */
export interface ImportedEvent {
  eventId: string;
  eventType: 'order_created' | 'order_updated';
  orderId: string;
  /** The event's JSON text (money and integers written exactly as in the CSV). */
  json: string;
}

export const SOURCE = 'olist-import';

/** The stages after purchase, in lifecycle order, and the status an order has once it reached one. */
const STAGES = [
  { column: 'order_approved_at', status: 'approved' },
  { column: 'order_delivered_carrier_date', status: 'shipped' },
  { column: 'order_delivered_customer_date', status: 'delivered' },
] as const;

/**
 * An order's whole history as contract events: `order_created` at purchase (items, payments and
 * customer when the files have them), then one `order_updated` per stage timestamp present
 * (approved, carrier, customer delivery), in lifecycle order whatever the timestamps say.
 * event_sequence is 1..n; event_time is the stage's time; the last event carries the file's final
 * status, earlier ones the status the stage implies (created, approved, shipped). Each event's order
 * holds the stage times reached so far (later ones null). event_id `olist-<order_id>-<sequence>`:
 * a re-import publishes the same ids, which the workers dedupe.
 *
 * Nothing is cleaned: an order without items or payments, a stage before purchase or out of order
 * goes out as it is and the validator flags it; a value that is not a timestamp or a number stays
 * text, for the validator to reject with its reason.
 */
export function orderEvents(rows: OrderRows, clock: SourceClock): ImportedEvent[] {
  const { order } = rows;
  const purchase = clock.toRfc3339(order.order_purchase_timestamp);
  const reached = STAGES.filter((stage) => order[stage.column] !== '');
  const times = Object.fromEntries(STAGES.map((stage) => [stage.column, clock.toRfc3339(order[stage.column])])) as Record<
    (typeof STAGES)[number]['column'],
    string | null
  >;
  const estimated = clock.toRfc3339(order.order_estimated_delivery_date);
  const events: ImportedEvent[] = [];
  const total = reached.length + 1;
  const emit = (sequence: number, eventTime: string | null, status: string, fields: Record<string, unknown>) => {
    const eventId = `olist-${order.order_id}-${sequence}`;
    const eventType = sequence === 1 ? 'order_created' : 'order_updated';
    const known = new Set(reached.slice(0, sequence - 1).map((stage) => stage.column));
    const event = {
      event_id: eventId,
      event_type: eventType,
      event_time: eventTime,
      event_sequence: sequence,
      schema_version: 1,
      source: SOURCE,
      order: {
        order_id: order.order_id,
        customer_id: order.customer_id,
        order_status: sequence === total ? order.order_status : status,
        order_purchase_timestamp: purchase,
        ...Object.fromEntries(STAGES.map((stage) => [stage.column, known.has(stage.column) ? times[stage.column] : null])),
        order_estimated_delivery_date: estimated,
      },
      ...fields,
    };
    events.push({ eventId, eventType, orderId: order.order_id, json: toJson(event) });
  };
  emit(1, purchase, 'created', {
    ...(rows.items.length ? { items: rows.items.map((item) => itemOf(item, clock)) } : {}),
    ...(rows.payments.length ? { payments: rows.payments.map(paymentOf) } : {}),
    ...(rows.customer ? { customer: customerOf(rows.customer) } : {}),
  });
  reached.forEach((stage, i) => emit(i + 2, times[stage.column], stage.status, {}));
  return events;
}

const itemOf = (item: Row<'items'>, clock: SourceClock) => ({
  order_item_id: integer(item.order_item_id),
  product_id: item.product_id,
  seller_id: item.seller_id,
  shipping_limit_date: clock.toRfc3339(item.shipping_limit_date),
  price: number(item.price),
  freight_value: number(item.freight_value),
});

const paymentOf = (payment: Row<'payments'>) => ({
  payment_sequential: integer(payment.payment_sequential),
  payment_type: payment.payment_type,
  payment_installments: integer(payment.payment_installments),
  payment_value: number(payment.payment_value),
});

const customerOf = (customer: Row<'customers'>) => ({
  customer_unique_id: customer.customer_unique_id,
  customer_zip_code_prefix: zipPrefix(customer.customer_zip_code_prefix),
  customer_city: customer.customer_city,
  customer_state: customer.customer_state,
});

/** Kaggle copies lose leading zeros (`1151` for `01151`): 1-4 digits are left-padded to 5; anything else is kept. */
export const zipPrefix = (text: string) => (/^\d{1,4}$/.test(text) ? text.padStart(5, '0') : text);

/** A JSON number written with the CSV's own text: `59.90` stays `59.90`, never a binary float's digits. */
class JsonNumber {
  constructor(readonly text: string) {}
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const JSON_INTEGER = /^-?(0|[1-9]\d*)$/;

/** The CSV text as a JSON number when it is one; empty -> null; other text as a string (the validator says why). */
const number = (text: string) => (JSON_NUMBER.test(text) ? new JsonNumber(text) : text === '' ? null : text);
const integer = (text: string) => (JSON_INTEGER.test(text) ? new JsonNumber(text) : text === '' ? null : text);

/** JSON.stringify for plain data, writing JsonNumber values as their text. */
function toJson(value: unknown): string {
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, v]) => `${JSON.stringify(key)}:${toJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
