import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** How a model lands: a table in the audit area, or (KPI) a view over the published mart. */
export type Materialization = 'table' | 'view';
/**
 * How publish moves a table into mart: merge by key (rows of the run's orders deleted, the
 * candidates inserted), replace the affected date partitions, replace it whole, or not at all.
 */
export type PublishMode = 'merge' | 'partitions' | 'replace' | 'none';

/** A generic check declared beside a model in <model>.checks.json (dbt's tests in the model's YAML). */
export type GenericTest =
  | { test: 'not_null'; columns: string[] }
  | { test: 'unique'; columns: string[]; where?: string }
  | { test: 'accepted_values'; column: string; values: string[] }
  | { test: 'accepted_range'; column: string; condition: string }
  | { test: 'relationships'; column: string; to: string; field?: string; current?: boolean };

/** A column as the model's metadata declares it: BigQuery standard SQL type, and what it means. */
export interface ColumnMeta {
  name: string;
  type: 'STRING' | 'INT64' | 'NUMERIC' | 'FLOAT64' | 'BOOL' | 'DATE' | 'TIMESTAMP';
  description: string;
}

/**
 * The metadata file beside each model, `<model>.json`: what the model is, each column (in the
 * model's order), and its checks. Descriptions go to BigQuery and DuckDB comments, docs/marts.md
 * and the compiled manifest.
 */
export interface ModelMeta {
  description: string;
  columns: ColumnMeta[];
  checks?: GenericTest[];
}

export interface Model {
  name: string;
  layer: 'staging' | 'intermediate' | 'marts' | 'kpi';
  sql: string;
  materialized: Materialization;
  publish: PublishMode;
  partitionBy?: string;
  clusterBy: string[];
  /** Merge key of publish=merge: rows of mart whose key is among the candidates' are replaced. */
  uniqueKey?: string;
  /** The candidate table whose keys are merged (keys_from=fact_orders: an order's items go with the order). */
  keysFrom?: string;
  /** reload=snapshot: built from the dims snapshot alone, so rebuilt only when the snapshot changed. */
  fromSnapshot: boolean;
  /** Models this one reads through ref(). */
  refs: string[];
  tests: GenericTest[];
  description: string;
  columns: ColumnMeta[];
}

const LAYERS = ['staging', 'intermediate', 'marts', 'kpi'] as const;
const ROOT = new URL('./models/', import.meta.url);

const NO_META: ModelMeta = { description: '', columns: [] };

/**
 * `-- config: materialized=table publish=merge unique_key=order_id partition_by=purchase_date
 * cluster_by=a,b reload=snapshot` on the first line.
 */
export function parseModel(name: string, layer: Model['layer'], sql: string, meta: ModelMeta = NO_META): Model {
  const header = /^--\s*config:(.*)$/m.exec(sql.split('\n', 1)[0] ?? '');
  if (!header) throw new Error(`model ${name}: the first line must be "-- config: ..."`);
  const config = Object.fromEntries(
    header[1]!
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split('=') as [string, string]),
  );
  const materialized = config.materialized as Materialization;
  if (materialized !== 'table' && materialized !== 'view') throw new Error(`model ${name}: materialized must be table or view`);
  const publish = (config.publish ?? 'none') as PublishMode;
  if (!['merge', 'partitions', 'replace', 'none'].includes(publish)) throw new Error(`model ${name}: unknown publish mode ${publish}`);
  if (publish === 'partitions' && !config.partition_by) throw new Error(`model ${name}: publish=partitions needs partition_by`);
  if (publish === 'merge' && !config.unique_key) throw new Error(`model ${name}: publish=merge needs unique_key`);
  const refs = [...new Set([...sql.matchAll(/\{\{\s*ref\('([a-z0-9_]+)'\)\s*\}\}/g)].map((m) => m[1]!))];
  return {
    name,
    layer,
    sql,
    materialized,
    publish,
    refs,
    tests: meta.checks ?? [],
    description: meta.description,
    columns: meta.columns,
    fromSnapshot: config.reload === 'snapshot',
    ...(config.partition_by ? { partitionBy: config.partition_by } : {}),
    ...(config.unique_key ? { uniqueKey: config.unique_key } : {}),
    ...(config.keys_from ? { keysFrom: config.keys_from } : {}),
    clusterBy: config.cluster_by ? config.cluster_by.split(',') : [],
  };
}

/** Every model under batch/models/ with the metadata beside it, in an order where each comes after the models it refs. */
export function loadModels(): Model[] {
  const models = LAYERS.flatMap((layer) =>
    readdirSync(new URL(`${layer}/`, ROOT))
      .filter((file) => file.endsWith('.sql'))
      .sort()
      .map((file) => {
        const name = file.slice(0, -4);
        const metaFile = new URL(`${layer}/${name}.json`, ROOT);
        if (!existsSync(metaFile)) throw new Error(`model ${name}: no metadata file ${layer}/${name}.json beside it`);
        const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ModelMeta;
        return parseModel(name, layer, readFileSync(new URL(`${layer}/${file}`, ROOT), 'utf8'), meta);
      }),
  );
  return topologicalOrder(models);
}

export function topologicalOrder(models: Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const ordered: Model[] = [];
  const visit = (model: Model) => {
    if (done.has(model.name)) return;
    if (visiting.has(model.name)) throw new Error(`models ref each other in a cycle through ${model.name}`);
    visiting.add(model.name);
    for (const ref of model.refs) {
      const upstream = byName.get(ref);
      if (!upstream) throw new Error(`model ${model.name} refs unknown model ${ref}`);
      visit(upstream);
    }
    visiting.delete(model.name);
    done.add(model.name);
    ordered.push(model);
  };
  for (const model of models) visit(model);
  return ordered;
}
