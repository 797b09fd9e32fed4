/** The rules beyond the schema (contract page), named for the violation. */
export const RULES = ['duplicate_order_item_id', 'duplicate_payment_sequential'] as const;
export type RuleName = (typeof RULES)[number];

/** Dead-letter `error_code` values, in precedence order: a message's error_code is its first reason. */
export type ReasonCode = 'not_utf8' | 'not_json' | 'not_object' | 'schema' | `rule:${RuleName}`;
export const REASON_CODES: readonly ReasonCode[] = ['not_utf8', 'not_json', 'not_object', 'schema', ...RULES.map((r) => `rule:${r}` as const)];

export interface Violation {
  code: ReasonCode;
  /** JSON pointer into the payload; '' for the whole message. */
  path: string;
  message: string;
}

/** Accepted, but marked on the rows (contract page, "Flags"); each is a BOOLEAN column of raw.orders. */
export const FLAGS = ['payment_mismatch', 'no_items', 'no_payments', 'timestamp_before_purchase'] as const;
export type Flag = (typeof FLAGS)[number];
