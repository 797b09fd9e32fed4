import { NO_VARS, render } from '../batch/dialect.ts';
import { DUCKDB_TARGET } from '../batch/engines/duckdb.ts';
import { loadModels, type Model } from '../batch/models.ts';
import { Bindings, type Statement } from '../batch/params.ts';

/** What the person picked: purchase dates (inclusive, YYYY-MM-DD), a customer state, a product category (English name). */
export interface Filters {
  from?: string;
  to?: string;
  state?: string;
  category?: string;
}

/** The 8 KPI charts, each one KPI model of batch/models/kpi/. */
export const KPI_CHARTS = {
  monthly_customer_growth: { model: 'kpi_monthly_customer_growth', order: 'month' },
  top_products: { model: 'kpi_top_products', order: 'revenue_rank, product_id', limit: 15 },
  sales_by_seller: { model: 'kpi_sales_by_seller', order: 'revenue DESC, seller_id', limit: 15 },
  sales_trend: { model: 'kpi_sales_trend', order: 'purchase_date' },
  seller_delivery_time: { model: 'kpi_seller_delivery_time', order: 'avg_delivery_days DESC, seller_id' },
  aov_by_location: { model: 'kpi_aov_by_location', order: 'order_total DESC, customer_state, customer_city' },
  purchase_frequency: { model: 'kpi_purchase_frequency', order: 'orders_per_customer' },
  monthly_retention: { model: 'kpi_monthly_retention', order: 'cohort_month, months_since_first' },
} as const;

export type KpiChart = keyof typeof KPI_CHARTS;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Refuses a filter that is not what it says (the server answers 400 with this message). */
export function checkFilters(filters: Filters): Filters {
  for (const key of ['from', 'to'] as const) {
    const value = filters[key];
    if (value !== undefined && (!DATE.test(value) || Number.isNaN(Date.parse(value))))
      throw new RangeError(`${key} must be a date such as 2026-11-20, got ${value}`);
  }
  if (filters.state !== undefined && !/^[A-Z]{2}$/.test(filters.state))
    throw new RangeError(`state must be a two-letter state code such as SP, got ${filters.state}`);
  if (filters.category !== undefined && (filters.category.length === 0 || filters.category.length > 200))
    throw new RangeError('category must be a category name');
  return filters;
}

/**
 * The published facts as the filters see them, as CTEs `dash_fact_orders` and `dash_fact_sales`:
 * orders bought in the date range by a customer of the state that have an item of the category
 * (the product's current category); their items, only those of the category. The filters' values
 * are bound as parameters ($from, $to, $state, $category).
 */
function filteredFacts(filters: Filters, b: Bindings): string {
  const orderWhere = [
    filters.from ? `purchase_date >= ${b.date('from', filters.from)}` : undefined,
    filters.to ? `purchase_date <= ${b.date('to', filters.to)}` : undefined,
    filters.state ? `customer_state = ${b.string('state', filters.state)}` : undefined,
  ].filter(Boolean);
  const categoryProducts = filters.category
    ? `SELECT product_id FROM mart.dim_products WHERE is_current AND product_category_name_english = ${b.string('category', filters.category)}`
    : undefined;
  if (categoryProducts) orderWhere.push(`order_id IN (SELECT order_id FROM mart.fact_sales WHERE product_id IN (${categoryProducts}))`);
  const where = (conditions: (string | undefined)[]) => (conditions.length ? `\n  WHERE ${conditions.join('\n    AND ')}` : '');
  return `dash_fact_orders AS (
  SELECT * FROM mart.fact_orders${where(orderWhere)}
),
dash_fact_sales AS (
  SELECT * FROM mart.fact_sales${where(['order_id IN (SELECT order_id FROM dash_fact_orders)', categoryProducts ? `product_id IN (${categoryProducts})` : undefined].filter(Boolean))}
)`;
}

/**
 * Facts and aggregates come from the filtered CTEs; dimensions from the mart. The aggregates read
 * the facts of the run's affected dates (int_fact_*_affected); here those are the filtered facts.
 */
const filteredName = (name: string) => {
  const affected = /^int_(fact_\w+)_affected$/.exec(name);
  if (affected) return `dash_${affected[1]}`;
  return /^(fact|agg)_/.test(name) ? `dash_${name}` : `mart.${name}`;
};

/** Renders a model's SQL over the filtered facts, whether it names its inputs with ref() or mart(). */
function renderFiltered(model: Model): string {
  return render(model.sql, { target: DUCKDB_TARGET, vars: { ...NO_VARS, refName: filteredName }, extra: { mart: filteredName } });
}

/**
 * The shared WITH list: the filtered facts, then every aggregate model recomputed from them with
 * its own SQL (the KPI views read aggregates, which cannot be filtered by state or category).
 */
function withFiltered(filters: Filters, models: readonly Model[], b: Bindings): string {
  const aggregates = models.filter((m) => m.name.startsWith('agg_'));
  return `WITH ${[filteredFacts(filters, b), ...aggregates.map((m) => `dash_${m.name} AS (\n${renderFiltered(m)}\n)`)].join(',\n')}`;
}

/**
 * The SQL of each dashboard figure for the filters: each KPI chart is its KPI model's own SQL (batch/models/kpi/)
 * over the filtered facts, so with no filter it equals the published mart.kpi_* view; `headline` holds
 * the KPI measures the LookML model defines too (bi/lookml.ts); `aov_by_state` rolls the AOV chart up to states.
 * Item-level figures (revenue, items, top products, sellers, delivery by seller) count the category's
 * items only; order-level ones (orders, AOV, trend, customers) count the whole orders that have one.
 * Every figure's SQL reads all the filters: they share one set of parameters.
 */
export function dashboardSql(
  filters: Filters,
  models: readonly Model[] = loadModels(),
): { sql: Record<KpiChart | 'headline' | 'aov_by_state', string>; params: Statement['params'] } {
  const byName = new Map(models.map((m) => [m.name, m]));
  const bindings = new Bindings('duckdb');
  const head = withFiltered(checkFilters(filters), models, bindings);
  const charts = Object.fromEntries(
    Object.entries(KPI_CHARTS).map(([chart, spec]) => {
      const limit = 'limit' in spec ? `\nLIMIT ${spec.limit}` : '';
      return [chart, `${head}\nSELECT * FROM (\n${renderFiltered(byName.get(spec.model)!)}\n) AS kpi\nORDER BY ${spec.order}${limit}`];
    }),
  ) as Record<KpiChart, string>;
  const sql = {
    ...charts,
    aov_by_state: `${head}
SELECT customer_state, SUM(orders) AS orders, CAST(SUM(order_total) AS DECIMAL(18, 2)) AS order_total,
  CAST(ROUND(SUM(order_total) / SUM(orders), 2) AS DECIMAL(18, 2)) AS avg_order_value
FROM (\n${renderFiltered(byName.get(KPI_CHARTS.aov_by_location.model)!)}\n) AS kpi
GROUP BY customer_state
ORDER BY avg_order_value DESC, customer_state`,
    headline: `${head},
per_customer AS (
  SELECT customer_unique_id, COUNT(*) AS orders FROM dash_fact_orders GROUP BY customer_unique_id
)
SELECT
  (SELECT CAST(COALESCE(SUM(price), 0) AS DECIMAL(18, 2)) FROM dash_fact_sales) AS revenue,
  COUNT(*) AS orders,
  (SELECT COUNT(*) FROM dash_fact_sales) AS items,
  CAST(ROUND(SUM(order_total) FILTER (WHERE item_count > 0) / NULLIF(COUNT(*) FILTER (WHERE item_count > 0), 0), 2) AS DECIMAL(18, 2)) AS average_order_value,
  AVG(delivery_days) AS average_delivery_days,
  COUNT(*) FILTER (WHERE is_delivered_late) / NULLIF(COUNT(delivery_days), 0) AS late_delivery_rate,
  (SELECT COUNT(*) FILTER (WHERE orders > 1) / NULLIF(COUNT(*), 0) FROM per_customer) AS repeat_customer_rate
FROM dash_fact_orders`,
  };
  return { sql, params: bindings.params };
}

/** The choices the filters offer: the published purchase dates' span, the states and the categories. */
export const FILTER_OPTIONS_SQL = {
  span: 'SELECT MIN(purchase_date) AS first, MAX(purchase_date) AS last FROM mart.fact_orders',
  states: 'SELECT DISTINCT customer_state AS value FROM mart.fact_orders WHERE customer_state IS NOT NULL ORDER BY 1',
  categories: `SELECT DISTINCT product_category_name_english AS value FROM mart.dim_products
    WHERE is_current AND product_category_name_english IS NOT NULL AND product_id IN (SELECT product_id FROM mart.fact_sales) ORDER BY 1`,
};

/** The pipeline's own figures: raw rows per table, dead letters by reason, the last WAP runs and their checks. */
export const PIPELINE_SQL = {
  raw_rows: `SELECT 'orders' AS raw_table, COUNT(*) AS row_count FROM raw.orders
UNION ALL SELECT 'order_items', COUNT(*) FROM raw.order_items
UNION ALL SELECT 'order_payments', COUNT(*) FROM raw.order_payments
UNION ALL SELECT 'dead_letter', COUNT(*) FROM raw.dead_letter`,
  dead_letters: 'SELECT error_code, COUNT(DISTINCT message_id) AS messages FROM raw.dead_letter GROUP BY error_code ORDER BY messages DESC, error_code',
  wap_runs: `WITH runs AS (
  SELECT run_id, status, dates, started_at, finished_at FROM audit.batch_runs ORDER BY started_at DESC LIMIT 8
),
checks AS (
  SELECT run_id,
    COUNT(*) FILTER (WHERE status = 'pass') AS passed,
    COUNT(*) FILTER (WHERE status = 'warn') AS warnings,
    COUNT(*) FILTER (WHERE status = 'fail') AS failed,
    string_agg(CASE WHEN status <> 'pass' THEN check_name || ' (' || status || ', ' || failing_rows || ' rows)' END, '; ' ORDER BY check_name) AS not_passed
  FROM audit.audit_log WHERE run_id IN (SELECT run_id FROM runs) GROUP BY run_id
)
SELECT runs.run_id, runs.status, len(string_split(runs.dates, ',')) AS dates, strftime(runs.started_at, '%Y-%m-%d %H:%M:%S') AS started_at,
  round(epoch(runs.finished_at - runs.started_at), 1) AS seconds,
  COALESCE(checks.passed, 0) AS passed, COALESCE(checks.warnings, 0) AS warnings, COALESCE(checks.failed, 0) AS failed, checks.not_passed
FROM runs LEFT JOIN checks ON runs.run_id = checks.run_id
ORDER BY runs.started_at DESC`,
};
