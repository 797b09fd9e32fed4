import { loadRawTables } from '../common/table-schemas.ts';
import type { Model } from '../batch/models.ts';

export interface MartDescriptions {
  /** What one row is, in a sentence or two. */
  description: string;
  /** Column name -> description; a column missing here has none yet. */
  columns: Record<string, string>;
}

/**
 * The one place BI outputs (LookML, .tds) get their descriptions from.
 *
 * Today: the model's own header comment (the lines after `-- config:` in its SQL) and, for a mart
 * column that keeps a raw column's name, the raw column's description in schemas/raw/: in facts and
 * dims, whose rows are still orders, items or their parties; elsewhere only for identifiers and places
 * (an aggregate's `payment_value` is a sum, not one payment). When each model gets its metadata file (a description per model and
 * per column, beside the model in batch/models/), this function reads that instead; nothing else changes.
 */
export function describeMart(model: Model, columns: readonly string[]): MartDescriptions {
  const raw = rawColumnDescriptions();
  const rowLevel = /^(fact|dim)_/.test(model.name);
  const applies = (column: string) => raw.has(column) && (rowLevel || /_(id|city|state)$/.test(column));
  return {
    description: headerComment(model.sql),
    columns: Object.fromEntries(columns.filter(applies).map((c) => [c, raw.get(c)!])),
  };
}

/** The comment lines under the `-- config:` line, joined. */
export function headerComment(sql: string): string {
  const lines = sql.split('\n').slice(1);
  const comment: string[] = [];
  for (const line of lines) {
    const match = /^--\s?(.*)$/.exec(line);
    if (!match) break;
    comment.push(match[1]!.trim());
  }
  return comment.join(' ');
}

let rawCache: Map<string, string> | undefined;

/** Descriptions of the raw order, item and payment columns by name (the first table naming a column wins). */
function rawColumnDescriptions(): Map<string, string> {
  if (rawCache) return rawCache;
  rawCache = new Map();
  for (const table of loadRawTables().filter((t) => t.name !== 'dead_letter')) {
    for (const field of table.fields) if (!rawCache.has(field.name)) rawCache.set(field.name, field.description);
  }
  return rawCache;
}
