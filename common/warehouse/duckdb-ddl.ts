import type { Field, TableSpec } from '../table-schemas.ts';

/** A BigQuery column type as DuckDB declares it. TIMESTAMP is naive UTC, so dates are UTC dates on both engines. */
export function duckdbType(field: Field): string {
  const base = (() => {
    switch (field.type) {
      case 'STRING':
        return 'VARCHAR';
      case 'INTEGER':
        return 'BIGINT';
      // Explicit precision: DuckDB's bare NUMERIC is DECIMAL(18,3) and would round silently.
      case 'NUMERIC':
        return `DECIMAL(${field.precision ?? 38}, ${field.scale ?? 9})`;
      case 'BOOLEAN':
        return 'BOOLEAN';
      case 'TIMESTAMP':
        return 'TIMESTAMP';
      case 'RECORD':
        return `STRUCT(${field.fields!.map((f) => `${f.name} ${duckdbType({ ...f, mode: 'NULLABLE' })}`).join(', ')})`;
    }
  })();
  return field.mode === 'REPEATED' ? `${base}[]` : base;
}

/**
 * CREATE SCHEMA / TABLE IF NOT EXISTS for a table spec from schemas/ (append-only: no keys enforced,
 * as in BigQuery), then ADD COLUMN IF NOT EXISTS for its nullable columns: a warehouse file made
 * before a column was declared gets it (as BigQuery allows adding NULLABLE columns, and only those).
 */
export function duckdbCreateTable(table: TableSpec): string[] {
  const name = `${table.dataset}.${table.name}`;
  const columns = table.fields.map((f) => `  ${f.name} ${duckdbType(f)}${f.mode === 'REQUIRED' ? ' NOT NULL' : ''}`);
  const added = table.fields.filter((f) => f.mode !== 'REQUIRED').map((f) => `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${f.name} ${duckdbType(f)}`);
  return [`CREATE SCHEMA IF NOT EXISTS ${table.dataset}`, `CREATE TABLE IF NOT EXISTS ${name} (\n${columns.join(',\n')}\n)`, ...added];
}
