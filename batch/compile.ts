import { currentViewSql, type CurrentView } from '../common/warehouse/views.ts';
import { render, tableRef, type RenderVars, type Target } from './dialect.ts';
import type { Model } from './models.ts';

/** Renders model (or check) SQL for a target, with the raw *_current view bodies available as current('view'). */
export function renderSql(sql: string, target: Target, vars: RenderVars): string {
  const current = (view: string) => currentViewSql(view as CurrentView, target.engine === 'bigquery'
    ? { engine: 'bigquery', project: target.project!, dataset: target.datasets.raw }
    : { engine: 'duckdb', dataset: target.datasets.raw });
  return render(sql, { target, vars, extra: { current } });
}

/** BigQuery keeps the mart's partitioning and clustering on the candidates too (the architecture's "audit with the prod partitioning"). */
function tableOptions(model: Model, target: Target): string {
  if (target.engine !== 'bigquery') return '';
  return [
    model.partitionBy ? `PARTITION BY ${model.partitionBy}` : '',
    model.clusterBy.length ? `CLUSTER BY ${model.clusterBy.join(', ')}` : '',
  ].filter(Boolean).map((clause) => `\n${clause}`).join('');
}

/** The statement that materializes a model: a table in the audit area, or a KPI view over the mart. */
export function modelStatement(model: Model, target: Target, vars: RenderVars): string {
  const body = renderSql(model.sql, target, vars);
  if (model.materialized === 'view') return `CREATE OR REPLACE VIEW ${tableRef(target, 'mart', model.name)} AS\n${body}`;
  return `CREATE OR REPLACE TABLE ${tableRef(target, 'audit', model.name)}${tableOptions(model, target)} AS\n${body}`;
}

/**
 * A model's SELECT as one self-contained statement: every model it depends on becomes a CTE
 * (dbt's ephemeral models), reading only raw and snapshot tables. The bench's bare baseline.
 */
export function inlinedSelect(model: Model, models: readonly Model[], target: Target, vars: RenderVars): string {
  const byName = new Map(models.map((m) => [m.name, m]));
  const upstream: Model[] = [];
  const collect = (m: Model) => {
    for (const ref of m.refs) {
      const dependency = byName.get(ref)!;
      if (upstream.includes(dependency)) continue;
      collect(dependency);
      upstream.push(dependency);
    }
  };
  collect(model);
  const scoped = { ...vars, refName: (name: string) => (byName.has(name) ? `ephemeral_${name}` : undefined) };
  const ctes = upstream.map((m) => `ephemeral_${m.name} AS (\n${renderSql(m.sql, target, scoped)}\n)`);
  return `WITH ${ctes.join(',\n')}\nSELECT * FROM (\n${renderSql(model.sql, target, scoped)}\n) AS ${model.name}`;
}

export interface PublishPlan {
  /** Idempotent preparation: mart tables created empty where missing, KPI views replaced. */
  ddl: string[];
  /** The atomic part: the run's partitions (or whole dimension tables) replaced, and the run recorded. */
  dml: string[];
}

/** How the candidates move into the mart. `recordRun` is the statement that advances the watermark. */
export function publishPlan(models: readonly Model[], target: Target, vars: RenderVars, recordRun: string): PublishPlan {
  const dates = vars.dates.map((d) => `DATE '${d}'`).join(', ');
  const published = models.filter((m) => m.publish !== 'none');
  const ddl = [
    ...published
      .filter((m) => !vars.martTables.has(m.name))
      .map((m) => `CREATE TABLE IF NOT EXISTS ${tableRef(target, 'mart', m.name)}${tableOptions(m, target)} AS\nSELECT * FROM ${tableRef(target, 'audit', m.name)} WHERE FALSE`),
    ...models.filter((m) => m.materialized === 'view').map((m) => modelStatement(m, target, vars)),
  ];
  const dml = published.flatMap((m) => {
    const mart = tableRef(target, 'mart', m.name);
    const where = m.publish === 'partitions' ? `${m.partitionBy} IN (${dates})` : 'TRUE';
    return [`DELETE FROM ${mart} WHERE ${where}`, `INSERT INTO ${mart}\nSELECT * FROM ${tableRef(target, 'audit', m.name)}`];
  });
  return { ddl, dml: [...dml, recordRun] };
}
