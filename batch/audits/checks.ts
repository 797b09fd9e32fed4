import { readdirSync, readFileSync } from 'node:fs';

export type Severity = 'blocking' | 'warning';

/** A named audit: a query (model SQL with macros) returning the offending rows; none means it passes. */
export interface Check {
  name: string;
  severity: Severity;
  /** The model it guards (for the report). */
  model: string;
  sql: string;
}

const ORDER_STATUSES = ['created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered', 'canceled', 'unavailable'];
const PAYMENT_TYPES = ['credit_card', 'boleto', 'voucher', 'debit_card', 'not_defined'];

const ref = (model: string) => `{{ ref('${model}') }}`;
const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** dbt's generic tests, as check builders: each names itself <test>_<model>_<columns>. */
export const unique = (model: string, columns: string[], where = 'TRUE', severity: Severity = 'blocking'): Check => ({
  name: `unique_${model}_${columns.join('_')}${where === 'TRUE' ? '' : '_current'}`,
  severity,
  model,
  sql: `SELECT ${columns.join(', ')}, COUNT(*) AS occurrences FROM ${ref(model)} WHERE ${where} GROUP BY ${columns.join(', ')} HAVING COUNT(*) > 1`,
});

export const notNull = (model: string, columns: string[]): Check => ({
  name: `not_null_${model}_${columns.join('_')}`,
  severity: 'blocking',
  model,
  sql: `SELECT * FROM ${ref(model)} WHERE ${columns.map((c) => `${c} IS NULL`).join(' OR ')}`,
});

export const acceptedValues = (model: string, column: string, values: readonly string[]): Check => ({
  name: `accepted_values_${model}_${column}`,
  severity: 'blocking',
  model,
  sql: `SELECT ${column}, COUNT(*) AS occurrences FROM ${ref(model)} WHERE ${column} NOT IN (${list(values)}) GROUP BY ${column}`,
});

/** Rows where `condition` does not hold (a range, a sign). */
export const acceptedRange = (model: string, column: string, condition: string): Check => ({
  name: `accepted_range_${model}_${column}`,
  severity: 'blocking',
  model,
  sql: `SELECT * FROM ${ref(model)} WHERE NOT (${condition})`,
});

export const relationships = (model: string, column: string, parent: string, parentColumn = column): Check => ({
  name: `relationships_${model}_${column}__${parent}`,
  severity: 'blocking',
  model,
  sql: `SELECT child.* FROM ${ref(model)} AS child LEFT JOIN (SELECT DISTINCT ${parentColumn} AS parent_key FROM ${ref(parent)}) AS parent `
    + `ON child.${column} = parent.parent_key WHERE child.${column} IS NOT NULL AND parent.parent_key IS NULL`,
});

/** Checks written as SQL files in batch/audits/ (reconciliations, rates, bands, freshness). */
function sqlChecks(): Check[] {
  const dir = new URL('./', import.meta.url);
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((file) => {
    const sql = readFileSync(new URL(file, dir), 'utf8');
    const header = /^--\s*check:\s*severity=(blocking|warning)\s+model=([a-z0-9_]+)/.exec(sql);
    if (!header) throw new Error(`audit ${file}: the first line must be "-- check: severity=... model=..."`);
    return { name: file.slice(0, -4), severity: header[1] as Severity, model: header[2]!, sql };
  });
}

/** Every check the job runs, in report order: generic checks by model, then the SQL-file checks. */
export function loadChecks(): Check[] {
  return [
    notNull('stg_orders', ['order_id', 'customer_id', 'order_purchase_timestamp']),
    unique('stg_orders', ['order_id']),
    acceptedValues('stg_orders', 'order_status', ORDER_STATUSES),
    notNull('stg_order_items', ['order_id', 'order_item_id', 'product_id', 'seller_id']),
    unique('stg_order_items', ['order_id', 'order_item_id']),
    acceptedRange('stg_order_items', 'price', 'price >= 0 AND freight_value >= 0'),
    relationships('stg_order_items', 'order_id', 'stg_orders'),
    notNull('stg_order_payments', ['order_id', 'payment_sequential']),
    unique('stg_order_payments', ['order_id', 'payment_sequential']),
    acceptedValues('stg_order_payments', 'payment_type', PAYMENT_TYPES),
    acceptedRange('stg_order_payments', 'payment_value', 'payment_value >= 0 AND payment_installments BETWEEN 0 AND 24'),
    relationships('stg_order_payments', 'order_id', 'stg_orders'),
    unique('stg_customers', ['customer_id']),
    unique('stg_products', ['product_id']),
    unique('stg_sellers', ['seller_id']),
    unique('dim_customers', ['customer_id'], 'is_current'),
    unique('dim_customers', ['customer_id', 'valid_from']),
    unique('dim_products', ['product_id'], 'is_current'),
    unique('dim_products', ['product_id', 'valid_from']),
    unique('dim_sellers', ['seller_id']),
    unique('dim_date', ['date_day']),
    notNull('fact_sales', ['order_id', 'order_item_id', 'purchase_date', 'customer_id', 'product_id', 'seller_id']),
    unique('fact_sales', ['order_id', 'order_item_id']),
    relationships('fact_sales', 'product_id', 'dim_products'),
    relationships('fact_sales', 'seller_id', 'dim_sellers'),
    relationships('fact_sales', 'customer_id', 'dim_customers'),
    relationships('fact_sales', 'purchase_date', 'dim_date', 'date_day'),
    notNull('fact_orders', ['order_id', 'purchase_date', 'customer_id']),
    unique('fact_orders', ['order_id']),
    relationships('fact_orders', 'customer_id', 'dim_customers'),
    unique('agg_daily_sales', ['purchase_date']),
    unique('agg_seller_daily', ['purchase_date', 'seller_id']),
    unique('agg_product_daily', ['purchase_date', 'product_id']),
    unique('agg_state_daily', ['purchase_date', 'customer_state']),
    ...sqlChecks(),
  ];
}
