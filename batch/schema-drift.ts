import { OperationalError } from '../common/errors.ts';
import { tableRef, type Target } from './dialect.ts';
import type { TableColumn } from './engines/warehouse.ts';
import type { ColumnMeta, Model } from './models.ts';

/** What to do when a published model's columns differ from its mart table's (dbt's on_schema_change). */
export type OnSchemaChange = 'fail' | 'sync_all_columns';
export const ON_SCHEMA_CHANGE = ['fail', 'sync_all_columns'] as const;

/** The standard SQL type a column of either engine holds (DuckDB's names mapped to BigQuery's). */
export function standardType(engineType: string): ColumnMeta['type'] {
  const type = engineType.toUpperCase();
  if (/^(VARCHAR|STRING)/.test(type)) return 'STRING';
  if (/^(BIGINT|INTEGER|INT64|HUGEINT|SMALLINT|TINYINT|UBIGINT|INT)$/.test(type)) return 'INT64';
  if (/^(DECIMAL|NUMERIC|BIGNUMERIC)/.test(type)) return 'NUMERIC';
  if (/^(DOUBLE|FLOAT|FLOAT64|REAL)$/.test(type)) return 'FLOAT64';
  if (/^(BOOLEAN|BOOL)$/.test(type)) return 'BOOL';
  if (type === 'DATE') return 'DATE';
  if (/^TIMESTAMP/.test(type)) return 'TIMESTAMP';
  throw new Error(`no standard type for ${engineType}`);
}

/** A thrown drift: one line naming every difference, and how to go on. */
export class SchemaDriftError extends OperationalError {
  override name = 'SchemaDriftError';
}

const describe = (columns: readonly TableColumn[]) => columns.map((c) => `${c.name} ${standardType(c.type)}`);

/**
 * Compares a candidate's columns with its mart table's, by name (order does not matter: publish
 * names every column). Returns the ALTER statements that bring the mart table in line under
 * sync_all_columns (new columns added, NULL in old rows; dropped ones dropped); under fail, or
 * when a column changed type, throws SchemaDriftError naming the differences.
 */
export function schemaMigrations(
  model: Model,
  target: Target,
  candidate: readonly TableColumn[],
  mart: readonly TableColumn[] | undefined,
  mode: OnSchemaChange,
): string[] {
  if (!mart) return [];
  const was = new Map(mart.map((c) => [c.name, standardType(c.type)]));
  const now = new Map(candidate.map((c) => [c.name, standardType(c.type)]));
  const added = candidate.filter((c) => !was.has(c.name));
  const removed = mart.filter((c) => !now.has(c.name));
  const retyped = candidate.filter((c) => was.has(c.name) && was.get(c.name) !== now.get(c.name));
  if (added.length + removed.length + retyped.length === 0) return [];
  const differences = [
    ...describe(added).map((c) => `+${c}`),
    ...describe(removed).map((c) => `-${c}`),
    ...retyped.map((c) => `${c.name} ${was.get(c.name)} -> ${now.get(c.name)}`),
  ].join(', ');
  if (mode === 'fail' || retyped.length > 0) {
    const hint =
      retyped.length > 0 ? 'a changed type needs the mart table dropped and a --full-refresh' : 'rerun with --on-schema-change sync_all_columns to migrate it';
    throw new SchemaDriftError(`model ${model.name} no longer matches mart.${model.name} (${differences}); nothing published; ${hint}`);
  }
  const table = tableRef(target, 'mart', model.name);
  return [...added.map((c) => `ALTER TABLE ${table} ADD COLUMN ${c.name} ${c.type}`), ...removed.map((c) => `ALTER TABLE ${table} DROP COLUMN ${c.name}`)];
}
