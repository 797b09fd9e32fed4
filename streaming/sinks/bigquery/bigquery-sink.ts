import { managedwriter } from '@google-cloud/bigquery-storage';
import { UsageError } from '../../../common/errors.ts';
import { createLogger, type Logger } from '../../../common/logger.ts';
import { loadRawTables, RAW_TABLE_NAMES } from '../../../common/table-schemas.ts';
import type { RawRows } from '../../rows.ts';
import { WriteRefusedError, type RawTable, type RejectedRow, type RowSink, type WriteResult } from '../sink.ts';
import { heldConnections } from './client-connections.ts';
import { resolveRawDataset } from './raw-dataset.ts';
import { BigQueryWriteError, TableWriter } from './table-writer.ts';

type WriterClient = InstanceType<typeof managedwriter.WriterClient>;
/** Options of the underlying gRPC client (endpoint, port, credentials), as google-gax takes them. */
export type WriterClientOptions = ConstructorParameters<typeof managedwriter.WriterClient>[0];

export interface BigQuerySinkOptions {
  /** Google Cloud project holding the dataset. Required. */
  projectId: string;
  /** Dataset of the raw tables. Default: the manifest's (`raw`). */
  dataset?: string;
  /** Attempts per append on a transient failure (UNAVAILABLE, lost connection, timeout) before write() throws. Default 4. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled per attempt, jittered, capped at 5 s. Default 200. */
  retryBaseDelayMs?: number;
  /** Largest AppendRows request in bytes; bigger batches are split (the API limit is 10 MB). Default 8 MiB. */
  maxRequestBytes?: number;
  /** An append unanswered after this many ms is treated as a lost connection and retried. Default 30,000. */
  appendTimeoutMs?: number;
  /** Structured logger for retries and connection errors. Default: common/logger.ts on stderr. */
  logger?: Logger;
  /** Passed to the WriterClient; tests point it at a local endpoint (servicePath, port, sslCreds). Default: Google's endpoint with Application Default Credentials. */
  clientOptions?: WriterClientOptions;
}

const DEFAULTS = { maxAttempts: 4, retryBaseDelayMs: 200, maxRequestBytes: 8 * 1024 * 1024, appendTimeoutMs: 30_000 };
const API_REQUEST_LIMIT = 10 * 1000 * 1000;

/**
 * The production RowSink: rows go to each raw table's default stream through the BigQuery Storage
 * Write API, over one long-lived WriterClient and one connection per table reused across batches.
 */
export class BigQuerySink implements RowSink {
  constructor(
    private readonly client: WriterClient,
    private readonly writers: Record<RawTable, TableWriter>,
  ) {}

  async write(batch: RawRows): Promise<WriteResult> {
    const tables = (Object.keys(this.writers) as RawTable[]).filter((table) => batch[table].length > 0);
    // allSettled: when one table fails the others still finish before write() throws, so nothing is left in flight.
    const results = await Promise.allSettled(
      tables.map(async (table): Promise<RejectedRow[]> => (await this.writers[table].append(batch[table])).map((r) => ({ table, ...r }))),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure)
      throw refusalOrFailure(
        failure.reason,
        tables.filter((_, i) => results[i]!.status === 'fulfilled'),
      );
    return { rejected: results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])) };
  }

  /**
   * Checks at start-up that every raw table exists and is writable with the credentials at hand
   * (GetWriteStream on each default stream), so a misconfigured worker exits with one line
   * instead of nacking every message. Optional: write() does not need it.
   */
  async verify(timeoutMs = 15_000): Promise<void> {
    await Promise.all(Object.values(this.writers).map((writer) => writer.verify(timeoutMs)));
  }

  /** Storage Write connections the client holds: at most one per raw table, however many reconnects. */
  get connections(): number {
    return heldConnections(this.client);
  }

  async close(): Promise<void> {
    for (const writer of Object.values(this.writers)) writer.close();
    this.client.close();
    // close() rethrows the failure of a client that never connected (no credentials): nothing is open then.
    await this.client
      .getClient()
      .close()
      .catch(() => undefined);
  }
}

// gRPC INVALID_ARGUMENT and OUT_OF_RANGE: the request itself (its rows) is what BigQuery refuses.
// NOT_FOUND, PERMISSION_DENIED and the like are about the table or credentials: not the data's fault.
const REFUSED_CODES = new Set([3, 11]);

/**
 * A permanent append failure caused by the rows becomes WriteRefusedError (the pipeline narrows the
 * batch down), naming the tables whose appends went through all the same.
 */
function refusalOrFailure(error: unknown, committed: RawTable[]): unknown {
  if (error instanceof BigQueryWriteError && !error.transient && error.code !== undefined && REFUSED_CODES.has(error.code)) {
    return new WriteRefusedError(`BigQuery refused the rows: ${error.message}`, { cause: error, committed });
  }
  return error;
}

/** Builds the BigQuery sink from options (defaults above); a bad option throws one UsageError line. */
export function createBigQuerySink(options: BigQuerySinkOptions): BigQuerySink {
  const { projectId, dataset } = resolveRawDataset(options, 'BigQuery sink');
  const tables = loadRawTables();
  const settings = {
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
    maxRequestBytes: options.maxRequestBytes ?? DEFAULTS.maxRequestBytes,
    appendTimeoutMs: options.appendTimeoutMs ?? DEFAULTS.appendTimeoutMs,
  };
  for (const name of ['maxAttempts', 'retryBaseDelayMs', 'maxRequestBytes', 'appendTimeoutMs'] as const) {
    const least = name === 'retryBaseDelayMs' ? 0 : 1;
    if (!Number.isInteger(settings[name]) || settings[name] < least)
      throw new UsageError(`BigQuery sink: ${name} must be an integer >= ${least}, got ${String(settings[name])}`);
  }
  if (settings.maxRequestBytes > API_REQUEST_LIMIT)
    throw new UsageError(`BigQuery sink: maxRequestBytes must be at most ${API_REQUEST_LIMIT} (the AppendRows limit)`);

  const logger = options.logger ?? createLogger({ base: { component: 'bigquery-sink' } });
  const client = new managedwriter.WriterClient({ projectId, ...options.clientOptions });
  const writerOptions = { ...settings, logger };
  const byName = new Map(tables.map((t) => [t.name, t]));
  const writers = Object.fromEntries(
    RAW_TABLE_NAMES.map((name) => [name, new TableWriter(client, byName.get(name)!, projectId, dataset, writerOptions)]),
  ) as Record<RawTable, TableWriter>;
  return new BigQuerySink(client, writers);
}
