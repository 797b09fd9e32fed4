import { readFileSync } from 'node:fs';

/** The raw.*_current views: latest event per key, for real-time BI. */
export const CURRENT_VIEWS = ['orders_current', 'order_items_current', 'order_payments_current'] as const;
export type CurrentView = (typeof CURRENT_VIEWS)[number];

const template = (view: CurrentView) => readFileSync(new URL(`../../schemas/current-views/${view}.sql`, import.meta.url), 'utf8');

/**
 * The view's SELECT for an engine, from the one SQL file Terraform also uses. The only dialect
 * difference in these views is the table reference: BigQuery's `project.dataset.table` in backticks.
 */
export function currentViewSql(
  view: CurrentView,
  target: { engine: 'bigquery'; project: string; dataset: string } | { engine: 'duckdb'; dataset: string },
): string {
  const sql = template(view);
  if (target.engine === 'bigquery') return sql.replaceAll('${project}', target.project).replaceAll('${dataset}', target.dataset);
  return sql.replace(/`\$\{project\}\.\$\{dataset\}\.([a-z_]+)`/g, `${target.dataset}.$1`);
}
