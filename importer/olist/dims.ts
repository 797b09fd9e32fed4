import { parse } from 'csv-parse/sync';
import { OperationalError } from '../../common/errors.ts';
import type { ObjectStore } from '../../common/object-store.ts';
import { SNAPSHOT_FILES, type SnapshotTable } from '../../common/dims-files.ts';

/**
 * Copies the Kaggle folder's dims files (customers, products, sellers, category translation) to a
 * dims snapshot location, byte for byte: `batch run --dims` reads Olist's own CSVs (BOM, quoting and
 * all), and its staging and audits judge the values, so nothing is rewritten here. Each file is
 * parsed first with the batch job's header rule, so a wrong or truncated file fails now, not at the batch.
 * @returns data rows per table.
 */
export async function copyDims(
  source: ObjectStore,
  target: ObjectStore,
  onFile?: (location: string, rows: number) => void,
): Promise<Record<SnapshotTable, number>> {
  const counts = {} as Record<SnapshotTable, number>;
  for (const [table, { file, columns }] of Object.entries(SNAPSHOT_FILES) as [SnapshotTable, (typeof SNAPSHOT_FILES)[SnapshotTable]][]) {
    let content: Buffer;
    try {
      content = await source.get(file);
    } catch (error) {
      throw new OperationalError(`cannot read ${source.describe(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    let header: string[] | undefined;
    let rows: unknown[];
    try {
      [header, ...rows] = parse(content, { bom: true }) as string[][];
    } catch (error) {
      throw new OperationalError(`${source.describe(file)}: ${(error as Error).message}`);
    }
    if (header?.join(',') !== columns.join(',')) {
      throw new OperationalError(`${source.describe(file)}: expected columns ${columns.join(',')}, got ${header?.join(',') ?? 'an empty file'}`);
    }
    await target.put(file, content, 'text/csv');
    counts[table] = rows.length;
    onFile?.(target.describe(file), rows.length);
  }
  return counts;
}
