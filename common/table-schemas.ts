import { readFileSync } from 'node:fs';

/** A column in BigQuery's JSON schema format (schemas/raw/*.json). */
export interface Field {
  name: string;
  type: 'STRING' | 'INTEGER' | 'NUMERIC' | 'BOOLEAN' | 'TIMESTAMP' | 'RECORD';
  mode: 'REQUIRED' | 'NULLABLE' | 'REPEATED';
  description: string;
  precision?: string;
  scale?: string;
  fields?: Field[];
}

export interface TableSpec {
  name: string;
  dataset: string;
  description: string;
  key: string[];
  partition: { field: string; type: 'DAY' | 'HOUR' | 'MONTH' };
  cluster: string[];
  fields: Field[];
}

interface Manifest {
  dataset: string;
  description: string;
  tables: Record<string, Omit<TableSpec, 'name' | 'dataset' | 'fields'> & { schema: string }>;
}

const root = new URL('../schemas/', import.meta.url);
const readJson = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, root), 'utf8')) as T;

/** The raw tables, read once from schemas/: the one source for DDL in both engines, Terraform and docs. */
export function loadRawTables(): TableSpec[] {
  const manifest = readJson<Manifest>('tables.json');
  return Object.entries(manifest.tables).map(([name, { schema, ...spec }]) => ({
    name,
    dataset: manifest.dataset,
    ...spec,
    fields: readJson<Field[]>(schema),
  }));
}

/** The raw dataset's description (Terraform's google_bigquery_dataset.raw reads the same manifest). */
export function rawDatasetDescription(): string {
  return readJson<Manifest>('tables.json').description;
}

/** The tables a valid event is split into (the event tables), in split order. */
export const EVENT_TABLE_NAMES = ['orders', 'order_items', 'order_payments'] as const;
export type EventTableName = (typeof EVENT_TABLE_NAMES)[number];
/** The raw tables the worker writes: the event tables and the dead letters. */
export const RAW_TABLE_NAMES = [...EVENT_TABLE_NAMES, 'dead_letter'] as const;
export type RawTableName = (typeof RAW_TABLE_NAMES)[number];

/** The raw tables the worker writes (the manifest also declares tables other writers own, such as dead_letter_replays). */
export const loadWorkerTables = (): TableSpec[] => loadRawTables().filter((table) => (RAW_TABLE_NAMES as readonly string[]).includes(table.name));
