import { existsSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbValues } from '../batch/engines/duckdb-values.ts';
import type { QueryParams } from '../batch/params.ts';
import { withDuckDBFile } from '../common/warehouse/duckdb-file.ts';
import { dashboardSql, FILTER_OPTIONS_SQL, PIPELINE_SQL, type Filters } from './queries.ts';

export type Row = Record<string, string | number | boolean | null>;

/** Everything the page shows, read in one short read-only turn on the warehouse file. */
export interface DashboardData {
  /** no_warehouse: no file yet; empty: nothing published in mart yet; ok: figures below. */
  status: 'ok' | 'empty' | 'no_warehouse';
  readAt: string;
  filters: Filters;
  options: { first: string | null; last: string | null; states: string[]; categories: string[] };
  /** One row of KPI measures (revenue, orders, items, AOV, delivery days, late and repeat rates). */
  headline: Row | null;
  /** Rows per chart (the 8 KPIs, aov_by_state), as the chart draws them and the CSV gives them. */
  charts: Record<string, Row[]>;
  pipeline: Record<keyof typeof PIPELINE_SQL, Row[]>;
  /** Set when these are the last figures read because the warehouse could not be read now: why. */
  stale?: string;
}

/** Query rows with JSON-safe values: integers and decimals as numbers, dates and times as text. */
export async function rows(connection: DuckDBConnection, sql: string, params?: QueryParams): Promise<Row[]> {
  const bound = duckdbValues(params);
  const result = await connection.runAndReadAll(sql, bound?.values, bound?.types);
  const numeric = result.columnTypes().map((t) => /INT|DECIMAL/.test(t.toString()));
  const names = result.columnNames();
  return (result.getRowObjectsJson() as Row[]).map((row) => {
    for (const [i, name] of names.entries()) if (numeric[i] && row[name] !== null) row[name] = Number(row[name]);
    return row;
  });
}

async function tablesIn(connection: DuckDBConnection): Promise<Set<string>> {
  const found = await rows(connection, "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables");
  return new Set(found.map((r) => String(r.name)));
}

/**
 * Reads the dashboard's figures for the filters. Opens the file read-only for one short turn
 * (the same turn-taking as every process on the file, common/warehouse/duckdb-file.ts): a worker
 * that holds it gives it up when it sees a reader waiting, and gets it back as soon as this returns.
 */
export async function readDashboard(database: string, filters: Filters, lockTimeoutMs = 5000): Promise<DashboardData> {
  const base = { readAt: new Date().toISOString(), filters, options: { first: null, last: null, states: [], categories: [] }, headline: null, charts: {} };
  const noPipeline: DashboardData['pipeline'] = { raw_rows: [], dead_letters: [], wap_runs: [] };
  if (!existsSync(database)) return { status: 'no_warehouse', ...base, pipeline: noPipeline };
  // Built before the file is opened: the turn on the file is only the queries.
  const { sql, params } = dashboardSql(filters);
  return withDuckDBFile(
    database,
    async (connection) => {
      const tables = await tablesIn(connection);
      const pipeline: DashboardData['pipeline'] = { ...noPipeline };
      if (tables.has('raw.orders') && tables.has('raw.dead_letter')) {
        pipeline.raw_rows = await rows(connection, PIPELINE_SQL.raw_rows);
        pipeline.dead_letters = await rows(connection, PIPELINE_SQL.dead_letters);
      }
      if (tables.has('audit.batch_runs') && tables.has('audit.audit_log')) pipeline.wap_runs = await rows(connection, PIPELINE_SQL.wap_runs);
      const published = tables.has('mart.fact_orders') && Number((await rows(connection, 'SELECT COUNT(*) AS n FROM mart.fact_orders'))[0]!.n) > 0;
      if (!published) return { status: 'empty', ...base, pipeline };
      const [span] = await rows(connection, FILTER_OPTIONS_SQL.span);
      const options = {
        first: span!.first as string,
        last: span!.last as string,
        states: (await rows(connection, FILTER_OPTIONS_SQL.states)).map((r) => String(r.value)),
        categories: (await rows(connection, FILTER_OPTIONS_SQL.categories)).map((r) => String(r.value)),
      };
      const charts: Record<string, Row[]> = {};
      let headline: Row | null = null;
      for (const [name, query] of Object.entries(sql)) {
        const result = await rows(connection, query, params);
        if (name === 'headline') headline = result[0] ?? null;
        else charts[name] = result;
      }
      return { status: 'ok', ...base, options, headline, charts, pipeline };
    },
    { mode: 'read-only', lockTimeoutMs },
  );
}
