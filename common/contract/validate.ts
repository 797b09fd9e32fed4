import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { dateTimeFormat } from './date-time-format.ts';
import { flagsOf } from './flags.ts';
import type { OrderEvent } from './order-event.generated.ts';
import type { Flag, ReasonCode, Violation } from './reasons.ts';
import { checkRules } from './rules.ts';

export type Verdict =
  | { valid: true; event: OrderEvent; flags: Flag[] }
  | { valid: false; errorCode: ReasonCode; errors: Violation[]; /** when the payload had a readable one */ eventId?: string };

const schema = JSON.parse(readFileSync(new URL('../../schemas/order-event.v1.schema.json', import.meta.url), 'utf8')) as object;

// Compiled once per process: ajv compiles the schema to a specialised function, the expensive part.
// strictRequired is off because the if/then names properties defined at the top level. Two
// validators: valid messages (nearly all) take the fail-fast one; a rejected message is checked
// again with allErrors, so its dead letter lists every violation.
const compile = (allErrors: boolean) => {
  const ajv = new Ajv2020({ allErrors, strict: true, strictRequired: false, multipleOfPrecision: 6 });
  ajv.addFormat('date-time', dateTimeFormat);
  return ajv.compile<OrderEvent>(schema);
};
const isValid = compile(false);
const everyError = compile(true);

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
  return validateEvent(value);
}

/** Validate an already-parsed value against the contract (schema, then rules) and compute its flags. */
export function validateEvent(value: unknown): Verdict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return reject([{ code: 'not_object', path: '', message: `expected a JSON object, got ${kind}` }]);
  }
  const schemaOk = isValid(value) || everyError(value);
  const errors = [...(schemaOk ? [] : fromAjv(everyError.errors ?? [])), ...checkRules(value as Record<string, unknown>)];
  if (errors.length === 0) return { valid: true, event: value as OrderEvent, flags: flagsOf(value as OrderEvent) };
  const eventId = (value as { event_id?: unknown }).event_id;
  return reject(errors, typeof eventId === 'string' ? eventId : undefined);
}

function reject(errors: Violation[], eventId?: string): Verdict {
  // error_code is the first reason in contract order: schema before rules.
  const ordered = [...errors].sort((a, b) => rank(a.code) - rank(b.code));
  return { valid: false, errorCode: ordered[0]!.code, errors: ordered, ...(eventId === undefined ? {} : { eventId }) };
}

const rank = (code: ReasonCode) => (code.startsWith('rule:') ? 1 : 0);

function fromAjv(errors: ErrorObject[]): Violation[] {
  const out: Violation[] = [];
  for (const error of errors) {
    if (error.keyword === 'if') continue; // restates the `then` failure below it
    const path = error.keyword === 'required' ? `${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}` : error.instancePath;
    // The schema's if/then (order_created needs items and payments) is the contract's named rule.
    const code: ReasonCode = error.schemaPath.startsWith('#/then/') ? 'rule:created_without_lines' : 'schema';
    out.push({ code, path, message: describe(error) });
  }
  return out;
}

function describe(error: ErrorObject): string {
  const message = error.message ?? error.keyword;
  // ajv's enum message omits the values, which is what someone fixing a producer needs.
  if (error.keyword === 'enum') return `${message}: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return message;
}
