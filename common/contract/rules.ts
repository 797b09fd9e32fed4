import type { RuleName, Violation } from './reasons.ts';

type Json = Record<string, unknown>;
const LATER_THAN_PURCHASE = ['order_approved_at', 'order_delivered_carrier_date', 'order_delivered_customer_date'] as const;

const violation = (rule: RuleName, path: string, message: string): Violation => ({ code: `rule:${rule}`, path, message });
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The contract's rules that JSON Schema cannot say. Runs on any object, even one that failed the
 * schema, so a message lists every violation; each check ignores values of the wrong type (the
 * schema already reports those).
 */
export function checkRules(event: Json): Violation[] {
  return [...timestampsNotBeforePurchase(event), ...uniqueWithin(event, 'items', 'order_item_id', 'duplicate_order_item_id'),
    ...uniqueWithin(event, 'payments', 'payment_sequential', 'duplicate_payment_sequential')];
}

function timestampsNotBeforePurchase(event: Json): Violation[] {
  const order = event.order;
  if (!isObject(order) || typeof order.order_purchase_timestamp !== 'string') return [];
  const purchase = Date.parse(order.order_purchase_timestamp);
  if (Number.isNaN(purchase)) return [];
  const found: Violation[] = [];
  for (const field of LATER_THAN_PURCHASE) {
    const value = order[field];
    if (typeof value === 'string' && Date.parse(value) < purchase) {
      found.push(violation('timestamp_before_purchase', `/order/${field}`, `${field} ${value} is earlier than order_purchase_timestamp ${order.order_purchase_timestamp}`));
    }
  }
  return found;
}

function uniqueWithin(event: Json, list: 'items' | 'payments', key: string, rule: RuleName): Violation[] {
  const entries = event[list];
  if (!Array.isArray(entries)) return [];
  const seen = new Set<unknown>();
  const found: Violation[] = [];
  entries.forEach((entry, index) => {
    if (!isObject(entry) || !Number.isInteger(entry[key])) return;
    if (seen.has(entry[key])) found.push(violation(rule, `/${list}/${index}/${key}`, `${key} ${String(entry[key])} appears more than once`));
    seen.add(entry[key]);
  });
  return found;
}
