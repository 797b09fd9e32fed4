import type { Model } from '../batch/models.ts';

export interface MartDescriptions {
  /** What one row is, in a sentence or two. */
  description: string;
  /** Column name -> description; a column missing here has none yet. */
  columns: Record<string, string>;
}

/**
 * The one place BI outputs (LookML, .tds) get their descriptions from: the model's metadata file
 * beside it in batch/models/ (a description per model and per column), the same text the WAP job
 * writes to BigQuery and DuckDB comments and docs/marts.md.
 */
export function describeMart(model: Model, columns: readonly string[]): MartDescriptions {
  const declared = new Map(model.columns.map((c) => [c.name, c.description]));
  return {
    description: model.description,
    columns: Object.fromEntries(columns.filter((c) => declared.has(c)).map((c) => [c, declared.get(c)!])),
  };
}

/** A model's grain: the columns of its unique check without a filter (none for KPI views). */
export function grainOf(model: Model): string[] {
  const unique = model.tests.find((t) => t.test === 'unique' && !t.where);
  return unique?.test === 'unique' ? unique.columns : [];
}
