import { setTimeout as sleep } from 'node:timers/promises';
import { managedwriter, type protos } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
import { OperationalError } from '../../../common/errors.ts';
import type { Logger } from '../../../common/logger.ts';
import type { TableSpec } from '../../../common/table-schemas.ts';
import { WRITE_TIME_COLUMN, type Row } from '../../rows.ts';
import { releaseConnection } from './client-connections.ts';
import { RowEncoder } from './row-encoding.ts';

type WriterClient = InstanceType<typeof managedwriter.WriterClient>;
type StreamConnection = Awaited<ReturnType<WriterClient['createStreamConnection']>>;
type AppendRowsResponse = protos.google.cloud.bigquery.storage.v1.IAppendRowsResponse;

export interface TableWriterOptions {
  /** Attempts per append on transient failure before write() throws. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt (jittered, capped at 5 s). */
  retryBaseDelayMs: number;
  /** Upper bound of one AppendRows request (the API refuses requests over 10 MB). */
  maxRequestBytes: number;
  /** An append with no answer after this long counts as a lost connection. */
  appendTimeoutMs: number;
  logger: Logger;
}

/** A row of the batch refused by BigQuery (or by the schema check before sending): never retried. */
export interface RowRejection {
  index: number;
  reason: string;
}

/** An append that failed as a whole: retrying later may work (`transient`) or needs an operator. */
export class BigQueryWriteError extends Error {
  override name = 'BigQueryWriteError';
  constructor(
    message: string,
    readonly transient: boolean,
    readonly code?: number,
  ) {
    super(message);
  }
}

// gRPC codes retrying cannot fix (bad request, missing table, no permission): fail the write at once.
const PERMANENT_CODES = new Set([3, 5, 6, 7, 9, 11, 12, 16]);
const isTransient = (code: number | undefined) => code === undefined || !PERMANENT_CODES.has(code);

interface Connection {
  stream: StreamConnection;
  writer: InstanceType<typeof managedwriter.Writer>;
  retired: boolean;
}

interface Pending {
  index: number;
  /** The row as Storage Write protobuf bytes (RowEncoder). */
  serialized: Uint8Array;
  /** The row came without its write time: every attempt appends WRITE_TIME_COLUMN as it sends. */
  stamp: boolean;
}

/**
 * Appends one table's rows to its default stream over one long-lived connection. Any connection
 * trouble (an error event, a dropped or idle-closed stream, an unanswered append) retires that
 * connection and the next append opens a fresh one: the client matches answers to requests by
 * order, so a stream that lost an answer cannot be trusted again.
 */
export class TableWriter {
  private readonly encoder: RowEncoder;
  /** The protobuf field number of WRITE_TIME_COLUMN, when the table has it. */
  private readonly writeTimeField: number | undefined;
  private readonly destination: string;
  /** dataset.table, for messages. */
  private readonly label: string;
  private current: Promise<Connection> | undefined;
  private live: Connection | undefined;

  constructor(
    private readonly client: WriterClient,
    private readonly table: TableSpec,
    projectId: string,
    dataset: string,
    private readonly options: TableWriterOptions,
  ) {
    this.encoder = new RowEncoder(table.fields);
    this.writeTimeField = this.encoder.descriptor.field?.find((f) => f.name === WRITE_TIME_COLUMN)?.number ?? undefined;
    this.destination = `projects/${projectId}/datasets/${dataset}/tables/${table.name}`;
    this.label = `${dataset}.${table.name}`;
  }

  /** Resolves when every row not returned as rejected is appended; throws BigQueryWriteError otherwise. */
  async append(rows: readonly Row[]): Promise<RowRejection[]> {
    const rejected: RowRejection[] = [];
    const pending: Pending[] = [];
    rows.forEach((row, index) => {
      const stamp = this.writeTimeField !== undefined && (row[WRITE_TIME_COLUMN] ?? null) === null;
      const encoded = this.encoder.encode(row, stamp ? WRITE_TIME_COLUMN : undefined);
      if (!encoded.ok) rejected.push({ index, reason: `schema: ${encoded.reason}` });
      // A row that cannot fit in a request is refused here: no AppendRows request may exceed the limit.
      else if (sizeOf(encoded.serialized, stamp) > this.options.maxRequestBytes)
        rejected.push({
          index,
          reason: `row of ${sizeOf(encoded.serialized, stamp)} bytes exceeds the ${this.options.maxRequestBytes}-byte AppendRows request size`,
        });
      else pending.push({ index, serialized: encoded.serialized, stamp });
    });
    const results = await Promise.allSettled(this.chunks(pending).map((chunk) => this.appendChunk(chunk)));
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    for (const r of results) if (r.status === 'fulfilled') rejected.push(...r.value);
    return rejected.sort((a, b) => a.index - b.index);
  }

  /** Fails fast (one OperationalError line) when the table cannot be written: no credentials, no table, no permission. */
  async verify(timeoutMs: number): Promise<void> {
    try {
      await this.client.getWriteStream({ streamId: `${this.destination}/streams/_default` }, { timeout: timeoutMs });
    } catch (error) {
      throw new OperationalError(`BigQuery sink cannot write ${this.label} (${this.destination}): ${describe(error).message.split('\n')[0]}`);
    }
  }

  close(): void {
    if (this.live) this.retire(this.live);
    this.current = undefined;
  }

  private chunks(rows: Pending[]): Pending[][] {
    const chunks: Pending[][] = [];
    let chunk: Pending[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (chunk.length > 0 && bytes + sizeOf(row.serialized, row.stamp) > this.options.maxRequestBytes) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(row);
      bytes += sizeOf(row.serialized, row.stamp);
    }
    if (chunk.length > 0) chunks.push(chunk);
    return chunks;
  }

  private async appendChunk(chunk: Pending[]): Promise<RowRejection[]> {
    const rejected: RowRejection[] = [];
    let rows = chunk;
    let failures = 0;
    while (rows.length > 0) {
      let response: AppendRowsResponse;
      try {
        response = await this.send(rows);
      } catch (error) {
        const { code, message } = describe(error);
        failures += 1;
        if (!isTransient(code) || failures >= this.options.maxAttempts) {
          throw new BigQueryWriteError(`append to ${this.label} failed after ${failures} attempt(s): ${message}`, isTransient(code), code);
        }
        this.options.logger.warn({ table: this.table.name, attempt: failures, code, error: message }, 'BigQuery append failed; retrying');
        await sleep(this.backoff(failures));
        continue;
      }
      if (response.rowErrors?.length) {
        // BigQuery appended none of this request: set aside the rows it named and send the rest again.
        const bad = new Map(response.rowErrors.map((e) => [Number(String(e.index)), e.message ?? String(e.code)]));
        for (const [i, reason] of bad) {
          const row = rows[i];
          if (!row) throw new BigQueryWriteError(`append to ${this.label}: row error for index ${i} of a ${rows.length}-row request`, false);
          rejected.push({ index: row.index, reason: `bigquery: ${reason}` });
        }
        rows = rows.filter((_, i) => !bad.has(i));
        continue;
      }
      return rejected;
    }
    return rejected;
  }

  /** One AppendRows round trip; resolves only with a clean answer (or one naming bad rows). */
  /**
   * The rows' bytes, those without a write time stamped with this attempt's clock: the field is
   * appended to the encoded row (in protobuf the last value of a singular field wins, and the row
   * was encoded without it), so a retried row carries the time of the attempt that made it durable.
   */
  private stamped(rows: Pending[]): Uint8Array[] {
    if (this.writeTimeField === undefined || !rows.some((r) => r.stamp)) return rows.map((r) => r.serialized);
    const field = protobuf.Writer.create()
      .uint32((this.writeTimeField << 3) | 0)
      .int64(Date.now() * 1000)
      .finish();
    return rows.map((r) => (r.stamp ? Buffer.concat([r.serialized, field]) : r.serialized));
  }

  private async send(rows: Pending[]): Promise<AppendRowsResponse> {
    const connection = await this.connection();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${this.options.appendTimeoutMs} ms`), { code: 4 })), this.options.appendTimeoutMs);
    });
    try {
      // getResult() RESOLVES with response.error set for non-retryable failures: turn those into errors.
      const response = await Promise.race([connection.writer.appendRows({ serializedRows: this.stamped(rows) }).getResult(), timeout]);
      if (response.error && !response.rowErrors?.length)
        throw Object.assign(new Error(response.error.message ?? 'append refused'), { code: response.error.code ?? undefined });
      return response;
    } catch (error) {
      if (isTransient(describe(error).code)) this.retire(connection);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private connection(): Promise<Connection> {
    if (!this.current) {
      const opening = this.open();
      this.current = opening;
      opening.catch(() => {
        if (this.current === opening) this.current = undefined;
      });
    }
    return this.current;
  }

  private async open(): Promise<Connection> {
    const stream = await this.client.createStreamConnection({ streamId: managedwriter.DefaultStream, destinationTable: this.destination });
    const connection: Connection = {
      stream,
      writer: new managedwriter.Writer({ connection: stream, protoDescriptor: this.encoder.descriptor }),
      retired: false,
    };
    // Without a listener a connection error would be thrown as an uncaught 'error' event.
    stream.onConnectionError((error: unknown) => {
      const { code, message } = describe(error);
      this.options.logger.warn({ table: this.table.name, code, error: message }, 'BigQuery write connection error; reconnecting on the next append');
      this.retire(connection);
    });
    // A stream the server ended (idle for 600 s, or restarted) still looks open to the client, and
    // an append written to it would never be answered: retire it so the next append reconnects.
    stream.on('end', () => this.retire(connection));
    this.live = connection;
    return connection;
  }

  /** Closes the stream, releases it from the client, and fails its unanswered appends, which their callers then retry on a new one. */
  private retire(connection: Connection): void {
    if (this.live === connection) {
      this.live = undefined;
      this.current = undefined;
    }
    if (connection.retired) return;
    connection.retired = true;
    const unanswered = connection.stream.getPendingWrites();
    connection.writer.close();
    releaseConnection(this.client, connection.stream);
    for (const write of unanswered) write.abort();
  }

  private backoff(failures: number): number {
    return Math.min(this.options.retryBaseDelayMs * 2 ** (failures - 1), 5_000) * (0.5 + Math.random() / 2);
  }
}

function describe(error: unknown): { code: number | undefined; message: string } {
  const code =
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : undefined;
  return { code, message: error instanceof Error ? error.message : String(error) };
}

/** The most a write-time field adds to a row: a tag of up to 2 bytes and a 10-byte varint. */
const STAMP_MAX_BYTES = 12;
const sizeOf = (serialized: Uint8Array, stamp: boolean) => serialized.length + (stamp ? STAMP_MAX_BYTES : 0);
