import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { flagsOf } from './flags.ts';
import { moneyCents, moneyTextProblem } from './money.ts';
import { unusualNumberTexts } from './number-text.ts';
import type { OrderEvent } from './order-event.generated.ts';
import type { ParsedEvent } from './parsed-event.ts';
import type { Flag, ReasonCode, Violation } from './reasons.ts';
import { checkRules } from './rules.ts';
import { isTimestamp, parseTimestampMicros, timestampMicros } from './timestamp.ts';

export type Verdict =
  | { valid: true; event: ParsedEvent; flags: Flag[] }
  | { valid: false; errorCode: ReasonCode; errors: Violation[]; /** when the payload had a readable one */ eventId?: string };

const schema = JSON.parse(readFileSync(new URL('../../schemas/order-event.v1.schema.json', import.meta.url), 'utf8')) as object;

// Compiled once per process: ajv compiles the schema to a specialised function, the expensive part.
// Two validators: valid messages (nearly all) take the fail-fast one; a rejected message is checked
// again with allErrors (and verbose, for the offending values), so its dead letter lists every
// violation. The schema's `date-time` format is the contract's own timestamp parser.
const compile = (allErrors: boolean) => {
  const ajv = new Ajv2020({ allErrors, verbose: allErrors, strict: true, multipleOfPrecision: 6 });
  ajv.addFormat('date-time', { type: 'string', validate: isTimestamp });
  return ajv.compile<OrderEvent>(schema);
};
const isValid = compile(false);
const everyError = compile(true);

/**
 * The text of the number at a path as written in the message, or undefined when it is known to be
 * a plain number with at most 2 decimals.
 */
type NumberTextAt = (path: readonly (string | number)[], value: number) => string | undefined;

/** Decode -> parse -> validate one message body; never throws. */
export function validateMessage(data: Uint8Array): Verdict {
  if (!isUtf8(data)) return reject([{ code: 'not_utf8', path: '', message: 'message data is not valid UTF-8' }]);
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return reject([{ code: 'not_json', path: '', message: (error as Error).message }]);
  }
  if (!isObject(value)) return notObject(value);
  const texts = unusualNumberTexts(text);
  return check(value, texts ? (path) => texts.at(path) : () => undefined);
}

/**
 * Validate an already-parsed value against the contract. Numbers are taken as JSON.stringify
 * would write them (the money grammar is on the text), so 0.125 and 1e-9 are rejected here too.
 */
export function validateEvent(value: unknown): Verdict {
  if (!isObject(value)) return notObject(value);
  return check(value, (_, number) => JSON.stringify(number));
}

/** Schema, then the money text, Unicode and rules; every violation listed; the parsed event when none. */
function check(value: Record<string, unknown>, numberText: NumberTextAt): Verdict {
  const schemaOk = isValid(value) || everyError(value);
  const errors = [...(schemaOk ? [] : fromAjv(everyError.errors ?? [])), ...moneyText(value, numberText), ...unicode(value), ...checkRules(value)];
  if (errors.length === 0) {
    const event = parseValid(value as unknown as OrderEvent);
    return { valid: true, event, flags: flagsOf(event) };
  }
  const eventId = value.event_id;
  return reject(errors, typeof eventId === 'string' ? eventId : undefined);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function notObject(value: unknown): Verdict {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return reject([{ code: 'not_object', path: '', message: `expected a JSON object, got ${kind}` }]);
}

function reject(errors: Violation[], eventId?: string): Verdict {
  // error_code is the first reason in contract order: schema before rules.
  const ordered = [...errors].sort((a, b) => rank(a.code) - rank(b.code));
  return { valid: false, errorCode: ordered[0]!.code, errors: ordered, ...(eventId === undefined ? {} : { eventId }) };
}

const rank = (code: ReasonCode) => (code.startsWith('rule:') ? 1 : 0);

const MONEY: readonly (readonly ['items' | 'payments', string])[] = [
  ['items', 'price'],
  ['items', 'freight_value'],
  ['payments', 'payment_value'],
];

/** Money written with an exponent or more than 2 decimals (on the text, as the contract says). */
function moneyText(event: Record<string, unknown>, numberText: NumberTextAt): Violation[] {
  const found: Violation[] = [];
  for (const [list, field] of MONEY) {
    const entries = event[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry, index) => {
      const number = isObject(entry) ? entry[field] : undefined;
      if (typeof number !== 'number') return;
      const text = numberText([list, index, field], number);
      const problem = text === undefined ? undefined : moneyTextProblem(text);
      if (problem) found.push({ code: 'schema', path: `/${list}/${index}/${field}`, message: `${field}: ${problem}` });
    });
  }
  return found;
}

// The free-text strings the rows store (the others have patterns or enums). JSON may spell an
// unpaired surrogate as an escape (`"\ud83d"`); no warehouse stores it (not valid Unicode).
const LONE_SURROGATE = /\p{Cs}/u;

function unicode(event: Record<string, unknown>): Violation[] {
  const found: Violation[] = [];
  const strings: [string, unknown][] = [['/source', event.source]];
  if (isObject(event.customer)) strings.push(['/customer/customer_city', event.customer.customer_city]);
  for (const [path, value] of strings) {
    if (typeof value === 'string' && LONE_SURROGATE.test(value))
      found.push({ code: 'schema', path, message: 'must be valid Unicode: holds an unpaired surrogate (\\ud800-\\udfff escape)' });
  }
  return found;
}

const optionalMicros = (value: string | null | undefined) => (value === null || value === undefined ? null : timestampMicros(value));

/** The converted event of a message that passed every check (the conversions cannot fail then). */
function parseValid(event: OrderEvent): ParsedEvent {
  const { order } = event;
  return {
    event_id: event.event_id,
    event_type: event.event_type,
    event_time: timestampMicros(event.event_time),
    event_sequence: event.event_sequence ?? null,
    order: {
      order_id: order.order_id,
      customer_id: order.customer_id,
      order_status: order.order_status,
      order_purchase_timestamp: timestampMicros(order.order_purchase_timestamp),
      order_approved_at: optionalMicros(order.order_approved_at),
      order_delivered_carrier_date: optionalMicros(order.order_delivered_carrier_date),
      order_delivered_customer_date: optionalMicros(order.order_delivered_customer_date),
      order_estimated_delivery_date: optionalMicros(order.order_estimated_delivery_date),
    },
    items:
      event.items?.map((item) => ({
        order_item_id: item.order_item_id,
        product_id: item.product_id,
        seller_id: item.seller_id,
        shipping_limit_date: timestampMicros(item.shipping_limit_date),
        price: moneyCents(item.price),
        freight_value: moneyCents(item.freight_value),
      })) ?? null,
    payments:
      event.payments?.map((payment) => ({
        payment_sequential: payment.payment_sequential,
        payment_type: payment.payment_type,
        payment_installments: payment.payment_installments,
        payment_value: moneyCents(payment.payment_value),
      })) ?? null,
    customer: event.customer
      ? {
          customer_unique_id: event.customer.customer_unique_id,
          customer_zip_code_prefix: event.customer.customer_zip_code_prefix,
          customer_city: event.customer.customer_city,
          customer_state: event.customer.customer_state,
        }
      : null,
  };
}

function fromAjv(errors: ErrorObject[]): Violation[] {
  const out: Violation[] = [];
  for (const error of errors) {
    // Money's multipleOf is checked on the text instead (moneyText), exactly and with a clearer message.
    if (error.keyword === 'multipleOf') continue;
    const path = error.keyword === 'required' ? `${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}` : error.instancePath;
    out.push({ code: 'schema', path, message: describe(error) });
  }
  return out;
}

function describe(error: ErrorObject): string {
  const message = error.message ?? error.keyword;
  // ajv's enum message omits the values, which is what someone fixing a producer needs.
  if (error.keyword === 'enum') return `${message}: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  // The timestamp parser says what is wrong with the value.
  if (error.keyword === 'format' && typeof error.data === 'string') {
    const parsed = parseTimestampMicros(error.data);
    if (typeof parsed !== 'number') return `${JSON.stringify(error.data)}: ${parsed.message}`;
  }
  return message;
}
