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
 * column that keeps a raw column's name, the raw column's description in schemas/raw/ where it still
 * holds: when the model's grain contains the raw table's key (an order's status on an item row is
 * the order's status; an order row's `freight_value` is a sum over items, not one item's), and for
 * identifiers and places everywhere. When each model gets its metadata file (a description per model
 * and per column, beside the model in batch/models/), this function reads that instead; nothing
 * else changes.
 */
export function describeMart(model: Model, columns: readonly string[]): MartDescriptions {
  const grain = new Set(grainOf(model));
  const applies = (column: string) => {
    const raw = rawColumns().get(column);
    return raw !== undefined && (/_(id|city|state|zip_code_prefix)$/.test(column) || raw.key.every((k) => grain.has(k)));
  };
  return {
    description: headerComment(model.sql),
    columns: Object.fromEntries(columns.filter(applies).map((c) => [c, rawColumns().get(c)!.description])),
  };
}

/** A model's grain: the columns of its unique check without a filter (none for KPI views). */
export function grainOf(model: Model): string[] {
  const unique = model.tests.find((t) => t.test === 'unique' && !t.where);
  return unique?.test === 'unique' ? unique.columns : [];
}

/** The comment lines under the `-- config:` line, joined. */
export function headerComment(sql: string): string {
  const comment: string[] = [];
  for (const line of sql.split('\n').slice(1)) {
    const match = /^--\s?(.*)$/.exec(line);
    if (!match) break;
    comment.push(match[1]!.trim());
  }
  return comment.join(' ');
}

let cache: Map<string, { description: string; key: string[] }> | undefined;

/** The raw order, item and payment columns by name, with their table's key (the first table naming a column wins). */
function rawColumns(): Map<string, { description: string; key: string[] }> {
  if (cache) return cache;
  cache = new Map();
  for (const table of loadRawTables().filter((t) => t.name !== 'dead_letter')) {
    for (const field of table.fields) if (!cache.has(field.name)) cache.set(field.name, { description: field.description, key: table.key });
  }
  return cache;
}
