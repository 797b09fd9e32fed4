import { createHash } from 'node:crypto';
import { stringLiteral, tableRef, type Target } from './dialect.ts';
import type { Model } from './models.ts';

/**
 * The model metadata as warehouse comments on the published tables and KPI views: DuckDB
 * COMMENT ON, BigQuery table and column description options. BI tools show them beside mart.*.
 */
export function commentStatements(models: readonly Model[], target: Target): string[] {
  const text = (value: string) => stringLiteral(target.engine, value);
  return models
    .filter((m) => m.publish !== 'none' || m.materialized === 'view')
    .flatMap((m) => {
      const ref = tableRef(target, 'mart', m.name);
      const kind = m.materialized === 'view' ? 'VIEW' : 'TABLE';
      if (target.engine === 'duckdb') {
        return [`COMMENT ON ${kind} ${ref} IS ${text(m.description)}`, ...m.columns.map((c) => `COMMENT ON COLUMN ${ref}.${c.name} IS ${text(c.description)}`)];
      }
      return [
        `ALTER ${kind} ${ref} SET OPTIONS (description = ${text(m.description)})`,
        ...m.columns.map((c) => `ALTER ${kind} ${ref} ALTER COLUMN ${c.name} SET OPTIONS (description = ${text(c.description)})`),
      ];
    });
}

/** A fingerprint of every model's metadata: comments are rewritten only when it changes. */
export function metadataSha256(models: readonly Model[]): string {
  const meta = models.map((m) => ({ name: m.name, description: m.description, columns: m.columns }));
  return createHash('sha256').update(JSON.stringify(meta)).digest('hex');
}
