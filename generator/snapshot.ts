import { stringify } from 'csv-stringify/sync';
import type { ObjectStore } from '../common/object-store.ts';
import type { Catalog } from './catalog.ts';
import { CATEGORIES } from './reference-data.ts';

/** Olist file names and their columns, in the dataset's header order (misspellings are Olist's own). */
export const SNAPSHOT_FILES = {
  customers: {
    file: 'olist_customers_dataset.csv',
    columns: ['customer_id', 'customer_unique_id', 'customer_zip_code_prefix', 'customer_city', 'customer_state'],
  },
  products: {
    file: 'olist_products_dataset.csv',
    columns: ['product_id', 'product_category_name', 'product_name_lenght', 'product_description_lenght', 'product_photos_qty',
      'product_weight_g', 'product_length_cm', 'product_height_cm', 'product_width_cm'],
  },
  sellers: { file: 'olist_sellers_dataset.csv', columns: ['seller_id', 'seller_zip_code_prefix', 'seller_city', 'seller_state'] },
  categories: { file: 'product_category_name_translation.csv', columns: ['product_category_name', 'product_category_name_english'] },
} as const;

export type SnapshotTable = keyof typeof SNAPSHOT_FILES;

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
