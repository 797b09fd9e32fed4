import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { OperationalError } from '../common/errors.ts';
import type { ObjectStore } from '../common/object-store.ts';
import { SNAPSHOT_FILES, type SnapshotTable } from '../common/dims-files.ts';
import type { Warehouse } from './engines/warehouse.ts';

export interface DimsFile {
  columns: readonly string[];
  rows: string[][];
  /** sha256 of the file's bytes, hex. */
  sha256: string;
}

/** The dims snapshot as read: each file's rows, and one fingerprint for the whole set. */
export interface DimsSnapshot {
  files: Record<SnapshotTable, DimsFile>;
  /** sha256 over the files' own hashes, in table order: equal fingerprints = the same snapshot. */
  sha256: string;
}

/**
 * Reads the dims snapshot (Olist CSVs, from a directory or GCS). A file whose header differs from
 * Olist's is refused; every column stays text as in the file (staging types it).
 */
export async function readDims(store: ObjectStore): Promise<DimsSnapshot> {
  const files = {} as Record<SnapshotTable, DimsFile>;
  const whole = createHash('sha256');
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
    const sha256 = createHash('sha256').update(content).digest('hex');
    whole.update(`${table}:${sha256}\n`);
    files[table] = { columns, rows, sha256 };
  }
  return { files, sha256: whole.digest('hex') };
}

/** Lands the snapshot as audit.snapshot_<table>; returns the row count of each file. */
export async function loadDims(warehouse: Warehouse, snapshot: DimsSnapshot): Promise<Record<SnapshotTable, number>> {
  const counts = {} as Record<SnapshotTable, number>;
  for (const [table, { columns, rows }] of Object.entries(snapshot.files) as [SnapshotTable, DimsFile][]) {
    await warehouse.loadStrings('audit', `snapshot_${table}`, columns, rows);
    counts[table] = rows.length;
  }
  return counts;
}
