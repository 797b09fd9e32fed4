import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Target } from '../dialect.ts';
import { mergeParams, naiveUtcRfc3339, type QueryParams, type Statement } from '../params.ts';
import { columnsByTable, type Dataset, type JsonRow, type TableColumn, type Warehouse } from './warehouse.ts';

/** The narrow part of BigQuery the job uses: a query job (one statement or a script) with named parameters, table listing, a load job. */
export interface BigQueryClient {
  query(sql: string, params?: QueryParams): Promise<JsonRow[]>;
  listTables(dataset: string): Promise<string[]>;
  /** Replaces dataset.table with newline-delimited JSON rows of STRING columns. */
  loadJson(dataset: string, table: string, columns: readonly string[], ndjson: string): Promise<void>;
}

/** @google-cloud/bigquery behind BigQueryClient: query jobs waited on, results made JSON-safe. */
export class GoogleBigQueryClient implements BigQueryClient {
  constructor(
    private readonly bigquery: BigQuery,
    private readonly location?: string,
  ) {}

  async query(sql: string, params?: QueryParams): Promise<JsonRow[]> {
    const [job] = await this.bigquery.createQueryJob({
      query: sql,
      useLegacySql: false,
      ...(this.location ? { location: this.location } : {}),
      ...(params ? this.queryParams(params) : {}),
    });
    const [rows] = await job.getQueryResults();
    // NUMERIC arrives as Big, DATE/TIMESTAMP as wrappers; their toJSON gives the text form.
    return JSON.parse(JSON.stringify(rows)) as JsonRow[];
  }

  /**
   * Named parameters as the client takes them (`params` + `types`; it sends them as the job's
   * queryParameters): TIMESTAMP and DATE through the client's wrappers, every type given explicitly.
   */
  private queryParams(params: QueryParams): { params: Record<string, unknown>; types: Record<string, string> } {
    const values: Record<string, unknown> = {};
    const types: Record<string, string> = {};
    for (const [name, param] of Object.entries(params)) {
      types[name] = param.type;
      if (param.type === 'TIMESTAMP') values[name] = this.bigquery.timestamp(naiveUtcRfc3339(param.value));
      else if (param.type === 'DATE') values[name] = this.bigquery.date(param.value);
      else values[name] = param.value;
    }
    return { params: values, types };
  }

  async listTables(dataset: string): Promise<string[]> {
    const [tables] = await this.bigquery.dataset(dataset).getTables();
    return tables.map((t) => t.id!).filter(Boolean);
  }

  async loadJson(dataset: string, table: string, columns: readonly string[], ndjson: string): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'orderflow-load-'));
    const file = join(dir, `${table}.ndjson`);
    try {
      await writeFile(file, ndjson);
      await this.bigquery
        .dataset(dataset)
        .table(table)
        .load(file, {
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          writeDisposition: 'WRITE_TRUNCATE',
          schema: { fields: columns.map((name) => ({ name, type: 'STRING', mode: 'NULLABLE' })) },
        });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export const bigqueryTarget = (project: string): Target => ({ engine: 'bigquery', project, datasets: { raw: 'raw', audit: 'audit', mart: 'mart' } });

/**
 * The batch job's warehouse on BigQuery. Publishing runs the DDL (tables created empty if missing,
 * KPI views), then every DML statement in ONE multi-statement transaction: a failure anywhere rolls
 * all of it back and re-raises, so the mart never shows half a run. A script takes query parameters
 * like a single statement does, so the statements' parameters are bound to the script together.
 */
export class BigQueryWarehouse implements Warehouse {
  constructor(
    private readonly client: BigQueryClient,
    readonly target: Target,
  ) {}

  async prepare(): Promise<void> {
    // Datasets and raw tables are Terraform's (terraform/), not the job's.
  }

  async execute(sql: string, params?: QueryParams): Promise<void> {
    await this.client.query(sql, params);
  }

  query(sql: string, params?: QueryParams): Promise<JsonRow[]> {
    return this.client.query(sql, params);
  }

  async listTables(dataset: Dataset): Promise<Set<string>> {
    return new Set(await this.client.listTables(this.target.datasets[dataset]));
  }

  async columns(dataset: Dataset): Promise<Map<string, TableColumn[]>> {
    const name = this.target.datasets[dataset];
    return columnsByTable(
      await this.client.query(`SELECT table_name, column_name, data_type FROM \`${this.target.project}.${name}\`.INFORMATION_SCHEMA.COLUMNS
ORDER BY table_name, ordinal_position`),
    );
  }

  async loadStrings(dataset: Dataset, table: string, columns: readonly string[], rows: readonly (string | null)[][]): Promise<void> {
    const ndjson = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null])))).join('\n');
    await this.client.loadJson(this.target.datasets[dataset], table, columns, ndjson);
  }

  async publish(ddl: readonly string[], dml: readonly Statement[]): Promise<void> {
    for (const sql of ddl) await this.client.query(sql);
    await this.client.query(transactionScript(dml.map((s) => s.sql)), mergeParams(dml));
  }
}

/** Statements as one BigQuery script: one transaction, rolled back and re-raised on any error. */
export function transactionScript(statements: readonly string[]): string {
  const body = statements.map((sql) => `  ${sql.replaceAll('\n', '\n  ')};`).join('\n');
  return `BEGIN
  BEGIN TRANSACTION;
${body}
  COMMIT TRANSACTION;
EXCEPTION WHEN ERROR THEN
  ROLLBACK TRANSACTION;
  RAISE USING MESSAGE = @@error.message;
END;`;
}
