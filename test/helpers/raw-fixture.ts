import type { DuckDBConnection } from '@duckdb/node-api';
import type { OrderEvent } from '../../common/contract/order-event.generated.ts';
import { validateMessage } from '../../common/contract/validate.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { loadRawTables } from '../../common/table-schemas.ts';
import { appendRows } from '../../streaming/sinks/duckdb-append.ts';
import { duckdbCreateTable } from '../../common/warehouse/duckdb-ddl.ts';
import type { CatalogSizes } from '../../generator/catalog.ts';
import { Catalog } from '../../generator/catalog.ts';
import { writeSnapshot } from '../../generator/snapshot.ts';
import { EventStream, type GeneratedMessage } from '../../generator/stream.ts';
import { split } from '../../streaming/pipeline/split.ts';
import { tempDir } from './temp-dir.ts';

export const FIXTURE_SIZES: CatalogSizes = { customers: 400, products: 150, sellers: 40 };

export interface FixtureOptions {
  seed?: number;
  startTime?: number;
  messages: number;
  /** Mean simulated seconds between events (the generator's event clock). */
  eventInterval?: number;
  updateRate?: number;
  duplicateRate?: number;
}

/** The generator's messages, deterministic for the options (no invalid ones: the worker would dead-letter them). */
export function generateMessages(options: FixtureOptions): GeneratedMessage[] {
  const stream = new EventStream({
    seed: options.seed ?? 7,
    startTime: options.startTime ?? Date.parse('2026-11-01T00:00:00Z'),
    eventInterval: options.eventInterval ?? 240,
    updateRate: options.updateRate ?? 0.35,
    duplicateRate: options.duplicateRate ?? 0.05,
    invalidRate: 0,
    sizes: FIXTURE_SIZES,
  });
  return Array.from({ length: options.messages }, () => stream.nextMessage());
}

const rawTables = new Map(loadRawTables().map((t) => [t.name, t]));

export async function createRawTables(connection: DuckDBConnection): Promise<void> {
  for (const table of rawTables.values()) for (const sql of duckdbCreateTable(table)) await connection.run(sql);
}

/**
 * Writes messages into the raw tables the way the worker does (validate -> split -> append), each
 * ingested when `ingestedAt` says (default: a few seconds after its event time).
 */
export async function ingest(
  connection: DuckDBConnection,
  messages: readonly GeneratedMessage[],
  ingestedAt?: (message: GeneratedMessage, index: number) => Date,
): Promise<void> {
  await createRawTables(connection);
  const rows = { orders: [], order_items: [], order_payments: [] } as Record<'orders' | 'order_items' | 'order_payments', ReturnType<typeof split>['orders']>;
  messages.forEach((message, index) => {
    const verdict = validateMessage(message.data);
    if (!verdict.valid) throw new Error(`fixture message ${index} is invalid: ${verdict.errorCode}`);
    const at = ingestedAt?.(message, index) ?? new Date(Number(verdict.event.event_time / 1000n) + 5_000 + index);
    const inbound = { id: `m-${index}`, data: message.data, attributes: message.attributes, publishTime: new Date(at.getTime() - 1_000) };
    const out = split(verdict.event, verdict.flags, inbound, at);
    rows.orders.push(...out.orders);
    rows.order_items.push(...out.order_items);
    rows.order_payments.push(...out.order_payments);
  });
  for (const [name, list] of Object.entries(rows)) await appendRows(connection, rawTables.get(name)!, list);
}

/** Writes the dims snapshot for the fixture's catalog into a fresh temporary directory. */
export async function writeDims(seed = 7, sizes: CatalogSizes = FIXTURE_SIZES): Promise<string> {
  const dir = tempDir('dims');
  await writeSnapshot(new Catalog(seed, sizes), new DirectoryStore(dir));
  return dir;
}

/** The events of valid messages (duplicates included), for computing expectations independently. */
export const eventsOf = (messages: readonly GeneratedMessage[]): OrderEvent[] => messages.map((m) => m.event!).filter(Boolean);
