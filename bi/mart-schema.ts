import { DuckDBInstance } from '@duckdb/node-api';
import { modelStatement, publishPlan } from '../batch/compile.ts';
import { DUCKDB_TARGET, DuckDBWarehouse } from '../batch/engines/duckdb.ts';
import { loadModels, type Model } from '../batch/models.ts';
import { SNAPSHOT_FILES } from '../generator/snapshot.ts';
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

/** DuckDB's type names -> the kinds BI tools need. */
export function columnKind(duckdbType: string): ColumnKind {
  if (duckdbType === 'VARCHAR') return 'string';
  if (/^(BIGINT|INTEGER|HUGEINT|SMALLINT|TINYINT|UBIGINT)$/.test(duckdbType)) return 'integer';
  if (/^DECIMAL\(\d+,\s*2\)$/.test(duckdbType)) return 'money';
  if (/^(DOUBLE|FLOAT|DECIMAL)/.test(duckdbType)) return 'number';
  if (duckdbType === 'DATE') return 'date';
  if (duckdbType.startsWith('TIMESTAMP')) return 'timestamp';
  if (duckdbType === 'BOOLEAN') return 'boolean';
  throw new Error(`no BI type for DuckDB type ${duckdbType}`);
}

/**
 * The published mart as it really is: every model of batch/models/ run by the batch job's own
 * statements over empty raw and snapshot tables in an in-memory DuckDB, then the columns and types
 * of mart.* read from information_schema. Descriptions come from describeMart(). Takes ~1 s.
 */
export async function loadMartSchema(): Promise<MartTable[]> {
  const models = loadModels();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const warehouse = new DuckDBWarehouse(connection);
    await warehouse.prepare();
    for (const [table, { columns }] of Object.entries(SNAPSHOT_FILES)) await warehouse.loadStrings('audit', `snapshot_${table}`, columns, []);
    const vars = { dates: ['2000-01-01'], watermark: null, asOf: '2000-01-01', now: new Date(0), martTables: new Set<string>() };
    for (const model of models.filter((m) => m.materialized === 'table')) await warehouse.execute(modelStatement(model, DUCKDB_TARGET, vars));
    for (const sql of publishPlan(models, DUCKDB_TARGET, vars, 'SELECT 1').ddl) await warehouse.execute(sql);
    const rows = await warehouse.query(`SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'mart' ORDER BY table_name, ordinal_position`);
    const byName = new Map(models.map((m) => [m.name, m]));
    const tables = new Map<string, { name: string; type: string }[]>();
    for (const row of rows) {
      const list = tables.get(String(row.table_name)) ?? [];
      list.push({ name: String(row.column_name), type: String(row.data_type) });
      tables.set(String(row.table_name), list);
    }
    return [...tables].map(([name, columns]) => martTable(byName.get(name)!, columns));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
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
