import { loadModels, type Model } from '../batch/models.ts';
import { describeMart, grainOf } from './descriptions.ts';

/** A column's kind as BI tools see it; `money` is a number with two decimals (DuckDB DECIMAL(18,2), BigQuery NUMERIC). */
export type ColumnKind = 'string' | 'integer' | 'number' | 'money' | 'date' | 'timestamp' | 'boolean';

export interface MartColumn {
  name: string;
  kind: ColumnKind;
  /** Empty when no source describes the column yet. */
  description: string;
}

/** fact, dim and agg tables are published by the WAP job; kpi are views over them. */
export type MartTableKind = 'fact' | 'dim' | 'agg' | 'kpi';

export interface MartTable {
  name: string;
  kind: MartTableKind;
  description: string;
  /** The table's grain (its unique test without a filter); empty for KPI views. */
  key: string[];
  /** The partition column of facts and aggregates. */
  partitionBy?: string;
  columns: MartColumn[];
}

const KINDS: Record<string, MartTableKind> = { fact_: 'fact', dim_: 'dim', agg_: 'agg', kpi_: 'kpi' };

/** The metadata's column types (BigQuery's names, as in batch/models/*.json) -> the kinds BI tools need. */
export function columnKind(type: string): ColumnKind {
  const kinds: Record<string, ColumnKind> = {
    STRING: 'string', INT64: 'integer', NUMERIC: 'money', FLOAT64: 'number', DATE: 'date', TIMESTAMP: 'timestamp', BOOL: 'boolean',
  };
  const kind = kinds[type];
  if (!kind) throw new Error(`no BI type for column type ${type}`);
  return kind;
}

/**
 * The published mart as the model metadata declares it (batch/models/<layer>/<model>.json): the
 * tables and KPI views under mart, their columns, types and descriptions. The WAP job refuses a
 * candidate whose columns differ from its metadata, so these are the mart's real columns.
 */
export async function loadMartSchema(): Promise<MartTable[]> {
  return loadModels()
    .filter((m) => (m.layer === 'marts' || m.layer === 'kpi') && Object.keys(KINDS).some((prefix) => m.name.startsWith(prefix)))
    .map((m) => martTable(m, m.columns));
}

function martTable(model: Model, columns: { name: string; type: string }[]): MartTable {
  const kind = Object.entries(KINDS).find(([prefix]) => model.name.startsWith(prefix))?.[1];
  if (!kind) throw new Error(`mart model ${model.name} has no fact_, dim_, agg_ or kpi_ prefix`);
  const described = describeMart(model, columns.map((c) => c.name));
  return {
    name: model.name,
    kind,
    description: described.description,
    key: grainOf(model),
    ...(model.partitionBy ? { partitionBy: model.partitionBy } : {}),
    columns: columns.map((c) => ({ name: c.name, kind: columnKind(c.type), description: described.columns[c.name] ?? '' })),
  };
}
