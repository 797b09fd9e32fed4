import { format } from 'sql-formatter';
import { SNAPSHOT_FILES } from '../common/dims-files.ts';
import { loadChecks } from './audits/checks.ts';
import { modelStatement, renderSql } from './compile.ts';
import type { Engine } from '../common/engines.ts';
import { NO_VARS, type RenderVars, type Target } from './dialect.ts';
import { bigqueryTarget } from './engines/bigquery.ts';
import { DUCKDB_TARGET } from './engines/duckdb.ts';
import { loadModels, type Model } from './models.ts';

export interface CompileOptions {
  engine: Engine;
  /** BigQuery project the references name (ignored by DuckDB). */
  project: string;
  timeZone: string;
  /** The business date SCD2 versions would open on. */
  asOf: string;
  /** A run's raw bound (naive-UTC text, batch/work.ts): raw reads prune from it. Default null: raw read whole. */
  rawFrom?: string | null;
  /** A run's watermark (naive-UTC text). Default null: no watermark. */
  watermark?: string | null;
}

/** The compiled project: file path (relative to the output directory) -> content. */
export type CompiledFiles = Map<string, string>;

const SOURCE = /\{\{\s*(?:source|touched)\('([a-z_]+)'\)\s*\}\}/g;
const SNAPSHOT = /\{\{\s*audit\('snapshot_([a-z_]+)'\)\s*\}\}/g;

/** Raw tables and dims snapshot files a model (or check) reads directly. */
function sourcesOf(sql: string) {
  return {
    raw: [...new Set([...sql.matchAll(SOURCE)].map((m) => m[1]!))].sort(),
    snapshots: [...new Set([...sql.matchAll(SNAPSHOT)].map((m) => m[1]!))]
      .sort()
      .map((table) => ({ table: `snapshot_${table}`, file: SNAPSHOT_FILES[table as keyof typeof SNAPSHOT_FILES]?.file ?? null })),
  };
}

const pretty = (sql: string, engine: Engine) => `${format(sql, { language: engine, keywordCase: 'upper', tabWidth: 2 })}\n`;

/**
 * Every model's statement as a run would send it (tables into audit, KPI views over mart), every
 * check's query, formatted, and manifest.json: models with refs, sources (raw tables, dims
 * snapshot files), columns with types and descriptions, materialization, publish mode, checks.
 * Run variables a real run fills from the warehouse are fixed unless given: an existing mart, no
 * watermark and no raw bound (raw read whole), no dates (publish statements are not compiled; docs/batch.md shows them).
 */
export function compileProject(options: CompileOptions, models: readonly Model[] = loadModels()): CompiledFiles {
  const target: Target = options.engine === 'bigquery' ? bigqueryTarget(options.project) : DUCKDB_TARGET;
  const vars: RenderVars = {
    ...NO_VARS,
    timeZone: options.timeZone,
    asOf: options.asOf,
    now: new Date(`${options.asOf}T00:00:00Z`),
    rawFrom: options.rawFrom ?? null,
    watermark: options.watermark ?? null,
    martTables: new Set(models.filter((m) => m.publish !== 'none').map((m) => m.name)),
    columnsOf: (name) => models.find((m) => m.name === name)?.columns.map((c) => c.name) ?? [],
  };
  const files: CompiledFiles = new Map();
  for (const model of models) files.set(`models/${model.layer}/${model.name}.sql`, pretty(modelStatement(model, target, vars), options.engine));
  const checks = loadChecks(models);
  for (const check of checks) files.set(`checks/${check.name}.sql`, pretty(renderSql(check.sql, target, vars), options.engine));
  const manifest = {
    engine: options.engine,
    time_zone: options.timeZone,
    as_of: options.asOf,
    datasets: target.datasets,
    models: models.map((m) => ({
      name: m.name,
      layer: m.layer,
      description: m.description,
      materialized: m.materialized,
      publish: m.publish,
      ...(m.uniqueKey ? { unique_key: m.uniqueKey } : {}),
      ...(m.partitionBy ? { partition_by: m.partitionBy } : {}),
      cluster_by: m.clusterBy,
      reload: m.fromSnapshot ? 'snapshot' : 'run',
      refs: m.refs,
      sources: sourcesOf(m.sql),
      columns: m.columns,
      checks: checks.filter((c) => c.model === m.name).map((c) => c.name),
      sql: `models/${m.layer}/${m.name}.sql`,
    })),
    checks: checks.map((c) => ({ name: c.name, severity: c.severity, model: c.model, sql: `checks/${c.name}.sql` })),
  };
  files.set('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return files;
}
