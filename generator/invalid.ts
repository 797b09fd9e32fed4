import type { OrderEvent } from '../common/contract/order-event.generated.ts';
import { REASON_CODES, type ReasonCode } from '../common/contract/reasons.ts';
import type { Random } from './random.ts';

/** Every reason code the generator can produce on purpose: all of the contract's. */
export const INVALID_KINDS: readonly ReasonCode[] = REASON_CODES;

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Schema violations a producer bug could cause; one is picked per `schema` message. */
const SCHEMA_BREAKS: ((event: Mutable, rng: Random) => void)[] = [
  (e) => (e.order.order_id = e.order.order_id.toUpperCase()),
  (e) => (e.items[0].price = -e.items[0].price),
  (e) => delete e.event_time,
  (e) => (e.order.order_status = 'lost'),
  (e) => (e.event_time = e.event_time.replace('Z', '')),
  (e) => (e.event_time = e.event_time.replace('Z', '+05')),
  (e) => (e.items[0].price = Math.floor(e.items[0].price) + 0.123),
  (e) => (e.customer.customer_zip_code_prefix = e.customer.customer_zip_code_prefix.slice(1)),
  (e) => (e.payments[0].payment_installments = 25),
  (e) => (e.schema_version = 2),
];

/**
 * The bytes of a message that the validator must reject with exactly `code` as its error_code,
 * made from a valid order_created event.
 */
export function invalidMessage(code: ReasonCode, valid: OrderEvent, rng: Random): Buffer {
  const event = structuredClone(valid) as Mutable;
  switch (code) {
    case 'not_utf8': {
      // A byte that can never start a UTF-8 sequence, inside a string value.
      const text = Buffer.from(JSON.stringify(event));
      const at = text.indexOf('"source":"') + 10;
      return Buffer.concat([text.subarray(0, at), Buffer.from([0xff]), text.subarray(at)]);
    }
    case 'not_json': {
      const text = JSON.stringify(event);
      return Buffer.from(text.slice(0, rng.int(1, text.length - 1)));
    }
    case 'not_object':
      return Buffer.from(rng.element([JSON.stringify([event]), JSON.stringify(event.event_id), 'null', '42']));
    case 'schema':
      rng.element(SCHEMA_BREAKS)(event, rng);
      break;
    case 'rule:duplicate_order_item_id':
      event.items.push({ ...event.items[0] });
      break;
    case 'rule:duplicate_payment_sequential':
      event.payments.push({ ...event.payments[0], payment_value: 0 });
      break;
  }
  return Buffer.from(JSON.stringify(event));
}
