import { readFileSync } from 'node:fs';

/** The dims tables of a snapshot (schemas/dims.json names their files and columns). */
export type SnapshotTable = 'customers' | 'products' | 'sellers' | 'categories';

export interface SnapshotFile {
  /** The Kaggle file name, e.g. olist_customers_dataset.csv. */
  file: string;
  /** Its header, in file order (Olist's own spellings, "lenght" included). */
  columns: readonly string[];
}

const manifest = JSON.parse(readFileSync(new URL('../schemas/dims.json', import.meta.url), 'utf8')) as { tables: Record<SnapshotTable, SnapshotFile> };

/** Each dims table's file and columns, from schemas/dims.json: the generator writes them, the importer copies them, the WAP job loads them. */
export const SNAPSHOT_FILES: Readonly<Record<SnapshotTable, SnapshotFile>> = manifest.tables;
