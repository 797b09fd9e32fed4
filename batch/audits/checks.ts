import { readdirSync, readFileSync } from 'node:fs';
import type { GenericTest, Model } from '../models.ts';

export type Severity = 'blocking' | 'warning';

/** A named audit: a query (model SQL with macros) returning the offending rows; none means it passes. */
export interface Check {
  name: string;
  severity: Severity;
  /** The model it guards (for the report). */
  model: string;
  sql: string;
}

const ref = (model: string) => `{{ ref('${model}') }}`;
const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** dbt's generic tests, as check builders: each names itself <test>_<model>_<columns>. */
const unique = (model: string, columns: string[], where?: string): Check => ({
  name: `unique_${model}_${columns.join('_')}${where ? `_${where.replace(/^is_/, '').replace(/\W+/g, '_')}` : ''}`,
  severity: 'blocking',
  model,
  sql: `SELECT ${columns.join(', ')}, COUNT(*) AS occurrences FROM ${ref(model)} WHERE ${where ?? 'TRUE'} GROUP BY ${columns.join(', ')} HAVING COUNT(*) > 1`,
});

const notNull = (model: string, columns: string[]): Check => ({
  name: `not_null_${model}_${columns.join('_')}`,
  severity: 'blocking',
  model,
  sql: `SELECT * FROM ${ref(model)} WHERE ${columns.map((c) => `${c} IS NULL`).join(' OR ')}`,
});

const acceptedValues = (model: string, column: string, values: readonly string[]): Check => ({
  name: `accepted_values_${model}_${column}`,
  severity: 'blocking',
  model,
  sql: `SELECT ${column}, COUNT(*) AS occurrences FROM ${ref(model)} WHERE ${column} NOT IN (${list(values)}) GROUP BY ${column}`,
});

/** Rows where `condition` does not hold (a range, a sign). */
const acceptedRange = (model: string, column: string, condition: string): Check => ({
  name: `accepted_range_${model}_${column}`,
  severity: 'blocking',
  model,
  sql: `SELECT * FROM ${ref(model)} WHERE NOT (${condition})`,
});

/** `current`: only the parent's current versions count (SCD2: a fact whose customer was closed has no current row). */
const relationships = (model: string, column: string, parent: string, parentColumn = column, current = false): Check => ({
  name: `relationships_${model}_${column}__${parent}`,
  severity: 'blocking',
  model,
  sql:
    `SELECT child.* FROM ${ref(model)} AS child LEFT JOIN (SELECT DISTINCT ${parentColumn} AS parent_key FROM ${ref(parent)}${current ? ' WHERE is_current' : ''}) AS parent ` +
    `ON child.${column} = parent.parent_key WHERE child.${column} IS NOT NULL AND parent.parent_key IS NULL`,
});

/** Checks written as SQL files in batch/audits/ (reconciliations, rates, bands, freshness). */
function sqlChecks(): Check[] {
  const dir = new URL('./', import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const sql = readFileSync(new URL(file, dir), 'utf8');
      const header = /^--\s*check:\s*severity=(blocking|warning)\s+model=([a-z0-9_]+)/.exec(sql);
      if (!header) throw new Error(`audit ${file}: the first line must be "-- check: severity=... model=..."`);
      return { name: file.slice(0, -4), severity: header[1] as Severity, model: header[2]!, sql };
    });
}

/** A check declared beside a model, compiled to its query. */
export function genericCheck(model: string, test: GenericTest): Check {
  switch (test.test) {
    case 'not_null':
      return notNull(model, test.columns);
    case 'unique':
      return unique(model, test.columns, test.where);
    case 'accepted_values':
      return acceptedValues(model, test.column, test.values);
    case 'accepted_range':
      return acceptedRange(model, test.column, test.condition);
    case 'relationships':
      return relationships(model, test.column, test.to, test.field, test.current);
    default:
      throw new Error(`model ${model}: unknown check ${(test as { test: string }).test}`);
  }
}

/** Every check the job runs, in report order: the models' checks in model order, then the SQL-file checks. */
export function loadChecks(models: readonly Model[]): Check[] {
  return [...models.flatMap((model) => model.tests.map((test) => genericCheck(model.name, test))), ...sqlChecks()];
}
