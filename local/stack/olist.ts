import { openObjectStore, DirectoryStore } from '../../common/object-store.ts';
import type { Logger } from '../../common/logger.ts';
import type { RunResult } from '../../generator/run.ts';
import { copyDims } from '../../importer/olist/dims.ts';
import { checkOlistFolder } from '../../importer/olist/files.ts';
import { runImport } from '../../importer/olist/run.ts';

export interface OlistImport {
  /** The import's counts in the generator's shape, for the stack's summary. */
  published: RunResult;
  /** `batch run --from/--to` covering every purchase date (a day of margin each side), or none for no orders. */
  batchRange: string[];
}

/** Before `up --olist DIR` starts anything: the folder has every file the import and dims copy read. */
export async function checkOlistInput(folder: string): Promise<void> {
  await checkOlistFolder(openObjectStore(folder), folder, true);
}

/** `orderflow up --olist DIR`: the Kaggle folder's dims as the snapshot, its history published to the stack's topic. */
export async function importOlistIntoStack(
  folder: string,
  dims: string,
  pubsub: { projectId: string; topic: string },
  logger: Logger,
  log: (line: string) => void,
): Promise<OlistImport> {
  const source = openObjectStore(folder);
  const counts = await copyDims(source, new DirectoryStore(dims));
  log(
    `dims snapshot: ${dims} (from ${folder}: ${Object.entries(counts)
      .map(([table, rows]) => `${table} ${rows}`)
      .join(', ')})`,
  );
  log(`import: ${folder} -> topic ${pubsub.topic} ...`);
  // No ordering key: with ~100k keys the client sends ~4 events a request (measured: bench:import); event_sequence decides "latest".
  const result = await runImport({
    source,
    out: 'pubsub',
    sourceTimeZone: 'America/Sao_Paulo',
    pubsub: { ...pubsub, maxInFlight: 2000, ordering: false },
    logger,
  });
  const { report } = result;
  log(
    `import: ${report.orders} orders, ${result.published} events in ${result.seconds.toFixed(0)} s; skipped ${report.orphanItems.rows} orphan items, ${report.orphanPayments.rows} orphan payments`,
  );
  const dates = report.purchaseDates;
  const day = (date: string, delta: number) => new Date(Date.parse(`${date}T00:00:00Z`) + delta * 86_400_000).toISOString().slice(0, 10);
  return {
    published: {
      generated: report.events.order_created + report.events.order_updated,
      byKind: { created: report.events.order_created, updated: report.events.order_updated, duplicate: 0, invalid: 0 },
      published: result.published,
      failed: result.failed,
    },
    batchRange: dates ? ['--from', day(dates.first, -1), '--to', day(dates.last, 1)] : [],
  };
}
