import { stringify } from 'csv-stringify/sync';
import type { ObjectStore } from '../common/object-store.ts';
import type { Catalog } from './catalog.ts';
import { CATEGORIES } from './reference-data.ts';
import { SNAPSHOT_FILES, type SnapshotTable } from '../common/dims-files.ts';

/** Olist file names and their columns, in the dataset's header order (misspellings are Olist's own). */
/** Rows of each dims table for a catalog: the same seed gives the same rows as the event stream uses. */
export function* snapshotRows(catalog: Catalog, table: SnapshotTable): Generator<object> {
  switch (table) {
    case 'customers':
      for (let i = 0; i < catalog.sizes.customers; i++) yield catalog.customer(i);
      return;
    case 'products':
      for (let i = 0; i < catalog.sizes.products; i++) yield catalog.product(i);
      return;
    case 'sellers':
      for (let i = 0; i < catalog.sizes.sellers; i++) yield catalog.seller(i);
      return;
    case 'categories':
      for (const category of CATEGORIES) {
        if (category.english) yield { product_category_name: category.name, product_category_name_english: category.english };
      }
  }
}

export function snapshotCsv(catalog: Catalog, table: SnapshotTable): string {
  const { columns } = SNAPSHOT_FILES[table];
  return stringify([...snapshotRows(catalog, table)], { header: true, columns: [...columns], cast: { boolean: String } });
}

/** Writes the four CSVs; returns where each went and its row count. */
export async function writeSnapshot(catalog: Catalog, store: ObjectStore, onFile?: (location: string, rows: number) => void): Promise<void> {
  for (const table of Object.keys(SNAPSHOT_FILES) as SnapshotTable[]) {
    const csv = snapshotCsv(catalog, table);
    const { file } = SNAPSHOT_FILES[table];
    await store.put(file, csv, 'text/csv');
    onFile?.(store.describe(file), countLines(csv) - 1);
  }
}

const countLines = (text: string) => text.split('\n').filter(Boolean).length;
