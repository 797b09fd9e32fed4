import { parse } from 'csv-parse/sync';
import { OperationalError } from '../common/errors.ts';
import type { ObjectStore } from '../common/object-store.ts';
import { SNAPSHOT_FILES, type SnapshotTable } from '../generator/snapshot.ts';
import type { Warehouse } from './engines/warehouse.ts';

/**
 * Lands the dims snapshot (Olist CSVs, from a directory or GCS) as audit.snapshot_<table>, every
 * column text as in the file; staging types them. A file whose header differs from Olist's is refused.
 */
export async function loadDims(warehouse: Warehouse, store: ObjectStore): Promise<Record<SnapshotTable, number>> {
  const counts = {} as Record<SnapshotTable, number>;
  for (const [table, { file, columns }] of Object.entries(SNAPSHOT_FILES) as [SnapshotTable, (typeof SNAPSHOT_FILES)[SnapshotTable]][]) {
    let content: Buffer;
    try {
      content = await store.get(file);
    } catch (error) {
      throw new OperationalError(`cannot read dims snapshot ${store.describe(file)}: ${(error as Error).message}`);
    }
    let parsed: string[][];
    try {
      parsed = parse(content, { bom: true, relax_column_count: false }) as string[][];
    } catch (error) {
      throw new OperationalError(`${store.describe(file)}: ${(error as Error).message}`);
    }
    const [header, ...rows] = parsed;
    if (header?.join(',') !== columns.join(',')) {
      throw new OperationalError(`${store.describe(file)}: expected columns ${columns.join(',')}, got ${header?.join(',') ?? 'an empty file'}`);
    }
    await warehouse.loadStrings('audit', `snapshot_${table}`, columns, rows);
    counts[table] = rows.length;
  }
  return counts;
}
