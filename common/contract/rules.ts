import type { RuleName, Violation } from './reasons.ts';

type Json = Record<string, unknown>;

const violation = (rule: RuleName, path: string, message: string): Violation => ({ code: `rule:${rule}`, path, message });
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The contract's rules that JSON Schema cannot say. Runs on any object, even one that failed the
 * schema, so a message lists every violation; each check ignores values of the wrong type (the
 * schema already reports those).
 */
export function checkRules(event: Json): Violation[] {
  const found: Violation[] = [];
  uniqueWithin(event, 'items', 'order_item_id', 'duplicate_order_item_id', found);
  uniqueWithin(event, 'payments', 'payment_sequential', 'duplicate_payment_sequential', found);
  return found;
}

// An order has a few lines: comparing each with the earlier ones allocates nothing (a Set a
// message was ~2.5% of what the worker allocated); a long list gets a Set, so it stays linear.
const SMALL_LIST = 32;
const keyOf = (entry: unknown, key: string) => (isObject(entry) && Number.isInteger(entry[key]) ? entry[key] : undefined);

function uniqueWithin(event: Json, list: 'items' | 'payments', key: string, rule: RuleName, found: Violation[]): void {
  const entries = event[list];
  if (!Array.isArray(entries)) return;
  const seen = entries.length > SMALL_LIST ? new Set<unknown>() : undefined;
  for (let index = 0; index < entries.length; index++) {
    const value = keyOf(entries[index], key);
    if (value === undefined) continue;
    let repeated = false;
    if (seen) {
      repeated = seen.has(value);
      seen.add(value);
    } else {
      for (let earlier = 0; earlier < index && !repeated; earlier++) repeated = keyOf(entries[earlier], key) === value;
    }
    if (repeated) found.push(violation(rule, `/${list}/${index}/${key}`, `${key} ${String(value)} appears more than once`));
  }
}
