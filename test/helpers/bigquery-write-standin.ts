import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * A local stand-in for google.cloud.bigquery.storage.v1.BigQueryWrite on 127.0.0.1, loaded from
 * the protos that ship with @google-cloud/bigquery-storage. It decodes every AppendRows request's
 * rows with its own protobuf wire decoder, driven only by the writer schema the client sent, so
 * the encoding is checked independently of the library that produced it. A test scripts each
 * answer: success, row errors, a status error, a dropped stream (before or after committing) or silence.
 */
export type Answer =
  | { kind: 'ok' }
  | { kind: 'rowErrors'; errors: { index: number; message: string }[] }
  | { kind: 'error'; code: grpc.status; message: string }
  | { kind: 'drop'; committed: boolean }
  | { kind: 'silent' };

export type DecodedRow = Record<string, unknown>;

export interface AppendRequest {
  table: string;
  writeStream: string;
  routingHeader: string | undefined;
  rows: DecodedRow[];
  /** Top-level columns of the writer schema the client sent with the request. */
  columns: string[];
  /** Which AppendRows stream (connection) carried it, numbered from 1 in opening order. */
  streamNumber: number;
  /** Bytes of its serialized rows (what the API's request size limit is mostly made of). */
  bytes: number;
}

interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName?: string;
}
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
}

const protos = (pkg: string) => fileURLToPath(new URL(`../../node_modules/${pkg}/build/protos`, import.meta.url));

export class BigQueryWriteStandIn {
  /** Every request received, in arrival order. */
  readonly requests: AppendRequest[] = [];
  /** Rows committed per table, as BigQuery would hold them. */
  readonly tables = new Map<string, DecodedRow[]>();
  /** Requests whose rows did not decode against their own writer schema (a test expects none). */
  readonly decodeErrors: string[] = [];
  streamsOpened = 0;
  /** Rows decoded so far, over every request (kept or not). */
  rowsDecoded = 0;
  private received = 0;
  /** Tables GetWriteStream answers NOT_FOUND for. */
  readonly missingTables = new Set<string>();
  private server = new grpc.Server();
  private readonly open = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  private answer: (request: AppendRequest, n: number) => Answer = () => ({ kind: 'ok' });

  port = 0;

  /** `retain: false` (benchmarks): decode and answer every request but keep neither requests nor rows. */
  constructor(private readonly options: { retain?: boolean } = {}) {}

  async start(): Promise<this> {
    const definition = protoLoader.loadSync('google/cloud/bigquery/storage/v1/storage.proto', {
      includeDirs: [protos('@google-cloud/bigquery-storage'), protos('google-gax')],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      google: { cloud: { bigquery: { storage: { v1: { BigQueryWrite: { service: grpc.ServiceDefinition } } } } } };
    };
    this.server.addService(pkg.google.cloud.bigquery.storage.v1.BigQueryWrite.service, {
      appendRows: (call: grpc.ServerDuplexStream<unknown, unknown>) => this.onStream(call),
      getWriteStream: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, done: grpc.sendUnaryData<unknown>) => {
        const table = call.request.name.split('/')[5] ?? '';
        if (this.missingTables.has(table)) done({ code: grpc.status.NOT_FOUND, details: `Not found: Table ${table}` });
        else done(null, { name: call.request.name, type: 'COMMITTED' });
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${this.port}`, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return this;
  }

  /** Kills the server and every TCP connection to it (a transport loss, not a status), then serves again on the same port. */
  async restart(): Promise<void> {
    this.server.forceShutdown();
    this.open.clear();
    this.server = new grpc.Server();
    await this.start();
  }

  /** Scripts the answer to each request (n counts requests from 1 across all streams). */
  respond(answer: (request: AppendRequest, n: number) => Answer): void {
    this.answer = answer;
  }

  /** AppendRows streams open on the server now (the client has neither ended nor cancelled them). */
  get openStreams(): number {
    return this.open.size;
  }

  /** Ends every open stream with status OK, as BigQuery does to a connection idle for 600 s. */
  closeIdleStreams(): void {
    for (const call of this.open) call.end();
    this.open.clear();
  }

  rows(table: string): DecodedRow[] {
    return this.tables.get(table) ?? [];
  }

  async stop(): Promise<void> {
    this.server.forceShutdown();
  }

  private onStream(call: grpc.ServerDuplexStream<unknown, unknown>): void {
    const streamNumber = ++this.streamsOpened;
    this.open.add(call);
    const routingHeader = call.metadata.get('x-goog-request-params')[0]?.toString();
    call.on('data', (raw: RawRequest) => {
      const schema = raw.protoRows.writerSchema.protoDescriptor as MessageDescriptor;
      let rows: DecodedRow[];
      try {
        rows = raw.protoRows.rows.serializedRows.map((bytes) => decodeMessage(bytes, schema, nestedTypes(schema)));
      } catch (error) {
        this.decodeErrors.push(String(error));
        return call.write({ error: { code: grpc.status.INVALID_ARGUMENT, message: String(error) } });
      }
      const request: AppendRequest = {
        table: raw.writeStream.split('/')[5] ?? '',
        writeStream: raw.writeStream,
        routingHeader,
        rows,
        columns: schema.field.map((f) => f.name),
        streamNumber,
        bytes: raw.protoRows.rows.serializedRows.reduce((sum, row) => sum + row.length, 0),
      };
      this.rowsDecoded += rows.length;
      if (this.options.retain !== false) this.requests.push(request);
      const answer = this.answer(request, ++this.received);
      const commit = () => {
        if (this.options.retain !== false) this.tables.set(request.table, [...this.rows(request.table), ...request.rows]);
      };
      switch (answer.kind) {
        case 'ok':
          commit();
          return call.write({ appendResult: {}, writeStream: raw.writeStream });
        case 'rowErrors':
          return call.write({
            error: { code: grpc.status.INVALID_ARGUMENT, message: 'Errors found while processing rows.' },
            rowErrors: answer.errors.map((e) => ({ index: String(e.index), code: 'FIELDS_ERROR', message: e.message })),
          });
        case 'error':
          return call.write({ error: { code: answer.code, message: answer.message } });
        case 'drop':
          if (answer.committed) commit();
          this.open.delete(call);
          return void call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'stand-in dropped the connection' });
        case 'silent':
          return;
      }
    });
    call.on('end', () => {
      this.open.delete(call);
      call.end();
    });
    call.on('error', () => this.open.delete(call));
    call.on('cancelled', () => this.open.delete(call));
  }
}

interface RawRequest {
  writeStream: string;
  protoRows: { writerSchema: { protoDescriptor: unknown }; rows: { serializedRows: Buffer[] } };
}

function nestedTypes(descriptor: MessageDescriptor): Map<string, MessageDescriptor> {
  return new Map((descriptor.nestedType ?? []).map((t) => [t.name, t]));
}

/** Protobuf wire format decoding for the field types a BigQuery writer schema uses. */
function decodeMessage(buffer: Buffer, descriptor: MessageDescriptor, nested: Map<string, MessageDescriptor>): DecodedRow {
  const byNumber = new Map(descriptor.field.map((f) => [f.number, f]));
  const out: DecodedRow = {};
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buffer[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result;
    }
  };
  while (pos < buffer.length) {
    const key = Number(varint());
    const field = byNumber.get(key >>> 3);
    if (!field) throw new Error(`${descriptor.name}: unknown field number ${key >>> 3}`);
    let value: unknown;
    if ((key & 7) === 0) {
      const raw = varint();
      if (field.type === 'TYPE_BOOL') value = raw !== 0n;
      else if (field.type === 'TYPE_INT64') value = BigInt.asIntN(64, raw);
      else throw new Error(`${field.name}: varint for ${field.type}`);
    } else if ((key & 7) === 2) {
      const length = Number(varint());
      const bytes = buffer.subarray(pos, pos + length);
      pos += length;
      if (field.type === 'TYPE_STRING') value = bytes.toString('utf8');
      else if (field.type === 'TYPE_MESSAGE') value = decodeMessage(bytes, nested.get(field.typeName!.split('.').pop()!)!, nested);
      else throw new Error(`${field.name}: length-delimited ${field.type}`);
    } else {
      throw new Error(`${field.name}: unexpected wire type ${key & 7}`);
    }
    if (field.label === 'LABEL_REPEATED') ((out[field.name] ??= []) as unknown[]).push(value);
    else out[field.name] = value;
  }
  for (const field of descriptor.field) {
    if (field.label === 'LABEL_REQUIRED' && !(field.name in out)) throw new Error(`${descriptor.name}: required field ${field.name} missing`);
  }
  return out;
}
