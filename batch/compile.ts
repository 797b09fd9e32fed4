import { currentViewSql, type CurrentView } from '../common/warehouse/views.ts';
import { render, tableRef, type RenderVars, type Target } from './dialect.ts';
import { Bindings, type Statement } from './params.ts';
import type { Model } from './models.ts';

/** Renders model (or check) SQL for a target, with the raw *_current view bodies available as current('view'). */
export function renderSql(sql: string, target: Target, vars: RenderVars): string {
  const current = (view: string) =>
    currentViewSql(
      view as CurrentView,
      target.engine === 'bigquery'
        ? { engine: 'bigquery', project: target.project!, dataset: target.datasets.raw }
        : { engine: 'duckdb', dataset: target.datasets.raw },
    );
  return render(sql, { target, vars, extra: { current } });
}

/** BigQuery keeps the mart's partitioning and clustering on the candidates too (the architecture's "audit with the prod partitioning"). */
function tableOptions(model: Model, target: Target): string {
  if (target.engine !== 'bigquery') return '';
  return [model.partitionBy ? `PARTITION BY ${model.partitionBy}` : '', model.clusterBy.length ? `CLUSTER BY ${model.clusterBy.join(', ')}` : '']
    .filter(Boolean)
    .map((clause) => `\n${clause}`)
    .join('');
}

/** The statement that materializes a model: a table in the audit area, or a KPI view over the mart (its refs read mart). */
export function modelStatement(model: Model, target: Target, vars: RenderVars): string {
  if (model.materialized === 'view') {
    // A KPI view is created at publish, over the published tables: its refs name mart.
    const body = renderSql(model.sql, target, { ...vars, refName: (name) => tableRef(target, 'mart', name) });
    return `CREATE OR REPLACE VIEW ${tableRef(target, 'mart', model.name)} AS\n${body}`;
  }
  return `CREATE OR REPLACE TABLE ${tableRef(target, 'audit', model.name)}${tableOptions(model, target)} AS\n${renderSql(model.sql, target, vars)}`;
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
  /** Idempotent preparation: mart tables created empty where missing, columns migrated, KPI views replaced, comments set. */
  ddl: string[];
  /** The atomic part: the run's orders merged, affected partitions and reloaded dimensions replaced, and the run recorded. */
  dml: Statement[];
}

export interface PublishInputs {
  /** The columns of each published model, by name, as the candidates have them: every statement lists them. */
  columns: ReadonlyMap<string, readonly string[]>;
  /** Models not rebuilt this run (dims whose snapshot did not change): their mart tables stay as they are. */
  skipped: ReadonlySet<string>;
  /** Column migrations (--on-schema-change sync_all_columns), run with the DDL. */
  migrations: readonly string[];
  /** COMMENT ON / SET OPTIONS statements from the model metadata, run with the DDL when it changed. */
  comments: readonly string[];
  /** The statements recording the run (and the dims snapshots it loaded): they commit with the data. */
  record: readonly Statement[];
}

/**
 * How the candidates move into the mart, every column named (never by position): merge models
 * delete the mart rows of the candidates' keys (within the affected date partitions, so BigQuery
 * prunes) and insert the candidates; partition models replace the affected dates
 * (`vars.dates`, bound as parameters date_1, date_2, ...); replace models (dimensions) are replaced whole when rebuilt.
 */
export function publishPlan(models: readonly Model[], target: Target, vars: RenderVars, inputs: PublishInputs): PublishPlan {
  // The affected dates as DATE parameters of one statement: constants of the query, which BigQuery's partition pruning takes like literals.
  const withDates = (sql: (dates: string) => string): Statement => {
    const bindings = new Bindings(target.engine);
    const dates = vars.dates.map((d, i) => bindings.date(`date_${i + 1}`, d)).join(', ');
    return { sql: sql(dates), params: bindings.params };
  };
  const published = models.filter((m) => m.publish !== 'none' && !inputs.skipped.has(m.name));
  const ddl = [
    ...published
      .filter((m) => !vars.martTables.has(m.name))
      .map(
        (m) =>
          `CREATE TABLE IF NOT EXISTS ${tableRef(target, 'mart', m.name)}${tableOptions(m, target)} AS\nSELECT * FROM ${tableRef(target, 'audit', m.name)} WHERE FALSE`,
      ),
    ...inputs.migrations,
    ...models.filter((m) => m.materialized === 'view').map((m) => modelStatement(m, target, vars)),
    ...inputs.comments,
  ];
  const dml = published.flatMap((m): Statement[] => {
    const mart = tableRef(target, 'mart', m.name);
    const columns = inputs.columns.get(m.name);
    if (!columns) throw new Error(`publish: no column list for ${m.name}`);
    // DuckDB has no partitions: rows inserted in date order keep each date in few row groups, whose
    // min/max let the date filters of later runs (merge, affected dates) skip the rest of history.
    const clustered = target.engine === 'duckdb' && m.partitionBy ? `\nORDER BY ${m.partitionBy}` : '';
    const insert = `INSERT INTO ${mart} (${columns.join(', ')})\nSELECT ${columns.join(', ')} FROM ${tableRef(target, 'audit', m.name)}${clustered}`;
    if (m.publish === 'replace') return [{ sql: `DELETE FROM ${mart} WHERE TRUE` }, { sql: insert }];
    if (vars.dates.length === 0) return [];
    if (m.publish === 'partitions') return [withDates((dates) => `DELETE FROM ${mart} WHERE ${m.partitionBy} IN (${dates})`), { sql: insert }];
    const keys = `SELECT ${m.uniqueKey} FROM ${tableRef(target, 'audit', m.keysFrom ?? m.name)}`;
    const remove = m.partitionBy
      ? withDates((dates) => `DELETE FROM ${mart} WHERE ${m.partitionBy} IN (${dates}) AND ${m.uniqueKey} IN (${keys})`)
      : { sql: `DELETE FROM ${mart} WHERE ${m.uniqueKey} IN (${keys})` };
    return [remove, { sql: insert }];
  });
  return { ddl, dml: [...dml, ...inputs.record] };
}
