import { adapt, protos } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
import type { Field } from '../../../common/table-schemas.ts';
import type { Row } from '../../rows.ts';
import { ProtoWriter } from './proto-writer.ts';

export type Encoded = { ok: true; serialized: Uint8Array } | { ok: false; reason: string };

/** The proto2 writer schema of a table, derived from its schemas/raw/*.json fields (never restated). */
export function writerDescriptor(fields: Field[]): protos.google.protobuf.IDescriptorProto {
  // The adapter's schema type is a structural copy of BigQuery's JSON schema format, which Field is.
  const storageSchema = adapt.convertBigQuerySchemaToStorageTableSchema({
    fields: fields as unknown as Parameters<typeof adapt.convertBigQuerySchemaToStorageTableSchema>[0]['fields'],
  });
  return adapt.convertStorageSchemaToProto2Descriptor(storageSchema, 'root');
}

/**
 * A record's encoder, generated for its table: checks each column and writes it to `writer`
 * (`prefix` names nested columns in reasons; `deferred` is a top-level column left out, see
 * RowEncoder.encode). Returns undefined, or why the row is refused (the writer is then unusable).
 */
type RecordEncoder = (record: Record<string, unknown>, writer: ProtoWriter, prefix: string, deferred: string | undefined) => string | undefined;

/**
 * One table's rows to Storage Write protobuf bytes. The writer schema and its protobufjs type are
 * built once; from them and the table's columns an encoder is generated per record type (one
 * function per table, `new Function`), which checks, converts and writes each column in one pass,
 * with no copy of the row. Generated rather than one loop over the columns: the worker encodes four
 * tables' rows through the same functions, and their property accesses, seeing every table's row
 * shape, were ~2x JSON.stringify of the same rows (bench:bigquery, session 7); a function per table
 * sees one shape. The bytes are protobufjs's own for the same values (Writer, fields in number order),
 * as the managedwriter's JSONWriter would make them (test/unit/bigquery-row-encoding.test.ts).
 */
export class RowEncoder {
  readonly descriptor: protos.google.protobuf.IDescriptorProto;
  private readonly encodeRecord: RecordEncoder;
  private readonly writer = new ProtoWriter();

  constructor(fields: Field[]) {
    this.descriptor = writerDescriptor(fields);
    // As the JSONWriter builds its type (ext/descriptor is loaded by @google-cloud/bigquery-storage).
    const descriptorType = protobuf.Type as unknown as { fromDescriptor(descriptor: unknown): protobuf.Type };
    const type = descriptorType.fromDescriptor(adapt.normalizeDescriptor(new protos.google.protobuf.DescriptorProto(this.descriptor)));
    this.encodeRecord = recordEncoder(fields, type);
  }

  /**
   * Checks a row against its table's columns (see encodeRow) and serializes it. `deferred`: a
   * top-level REQUIRED column that may be null here because the caller appends it to the bytes as
   * it sends them (the write time, TableWriter); left out of the encoding.
   */
  encode(row: Row, deferred?: string): Encoded {
    const reason = this.encodeRecord(row, this.writer, '', deferred);
    if (reason !== undefined) {
      this.writer.clear();
      return { ok: false, reason };
    }
    const serialized = this.writer.finish();
    return { ok: true, serialized };
  }
}

const encoders = new WeakMap<Field[], RowEncoder>();

/**
 * Checks a row against its table's columns, converts it for the Storage Write API and serializes
 * it (RowEncoder, one per fields array). Checked here, not left to protobufjs, because it fails
 * silently: it encodes a bigint int64 as 0, a null REQUIRED field as its zero value ('' or
 * 1970-01-01), and drops unknown keys. The rules: STRING a string; NUMERIC an exact decimal string;
 * BOOLEAN a boolean; INTEGER a safe integer or a bigint; TIMESTAMP bigint microseconds; RECORD an
 * object; REPEATED an array; null only where not REQUIRED; no column the table lacks.
 */
export function encodeRow(fields: Field[], row: Row): Encoded {
  let encoder = encoders.get(fields);
  if (!encoder) encoders.set(fields, (encoder = new RowEncoder(fields)));
  return encoder.encode(row);
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const EXPECTED: Record<Field['type'], string> = {
  STRING: 'a string',
  NUMERIC: 'a decimal string',
  BOOLEAN: 'a boolean',
  INTEGER: 'a safe integer or bigint',
  TIMESTAMP: 'bigint microseconds',
  RECORD: 'an object',
};
/** Each column type's check of a value `v`, as JavaScript. */
const ACCEPTS: Record<Field['type'], string> = {
  STRING: `typeof v === 'string'`,
  // A JS number would already have lost digits; only exact decimal strings go through.
  NUMERIC: `typeof v === 'string' && h.DECIMAL.test(v)`,
  BOOLEAN: `typeof v === 'boolean'`,
  INTEGER: `typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v))`,
  TIMESTAMP: `typeof v === 'bigint'`,
  RECORD: `typeof v === 'object' && v !== null && !Array.isArray(v)`,
};

/** The ProtoWriter method writing each protobuf scalar type the writer schema uses. */
const WRITES: Record<string, 'string' | 'bool' | 'int64' | undefined> = { string: 'string', bool: 'bool', int64: 'int64' };

/** What generated encoders call on their rare paths (reasons), shared by all tables. */
const helpers = {
  DECIMAL,
  /** A refusal of `record`'s column; a column the record should not have is named first. */
  refuse(record: Record<string, unknown>, known: ReadonlySet<string>, prefix: string, reason: string): string {
    const unknown = Object.keys(record).filter((name) => !known.has(name));
    return unknown.length > 0 ? `unknown column ${unknown.map((k) => prefix + k).join(', ')}` : reason;
  },
  wrong(type: Field['type'], column: string, value: unknown): string {
    return `${column}: ${type} needs ${EXPECTED[type]}, got ${value === null ? 'null' : typeof value}`;
  },
};

/**
 * Generates the encoder of a record type with columns `fields` and protobufjs type `type`. Columns
 * are written in field-number order (the schema's), as protobufjs's own encoder does. Every column
 * read counts as present, so comparing with the record's own key count finds a column the table
 * lacks without a lookup per key.
 */
function recordEncoder(fields: Field[], type: protobuf.Type): RecordEncoder {
  const nested: RecordEncoder[] = [];
  const lines: string[] = ['let n = 0, v, e, s;'];
  const known = new Set(fields.map((f) => f.name));
  for (const field of fields) {
    const proto = type.fields[field.name];
    if (!proto) throw new Error(`no ${field.name} in the writer schema`);
    const name = JSON.stringify(field.name);
    const wireType = field.type === 'RECORD' ? 2 : protobuf.types.basic[proto.type as keyof typeof protobuf.types.basic];
    if (wireType === undefined) throw new Error(`no wire type for ${field.name} (${proto.type})`);
    let nestedIndex = -1;
    if (field.type === 'RECORD') {
      nestedIndex = nested.length;
      nested.push(recordEncoder(field.fields ?? [], proto.resolve().resolvedType as protobuf.Type));
    }
    const method = WRITES[proto.type];
    if (field.type !== 'RECORD' && !method) throw new Error(`no writer for ${field.name} (${proto.type})`);
    // One value `v` of the column (an item when repeated), checked and written after `tag`; `column` its name in reasons.
    const item = (column: string, tag: string) => {
      const write =
        field.type === 'RECORD'
          ? `${tag} s = w.begin(); e = nested[${nestedIndex}](v, w, ${column} + '.', undefined); if (e !== undefined) return h.refuse(r, known, p, e); w.end(s);`
          : `${tag} w.${method}(v);`;
      return `if (!(${ACCEPTS[field.type]})) return h.refuse(r, known, p, h.wrong(${JSON.stringify(field.type)}, ${column}, v)); ${write}`;
    };
    const tag = `w.uint32(${(proto.id << 3) | wireType});`;
    lines.push(`v = r[${name}];`);
    const absent =
      field.mode === 'REQUIRED' ? `if (d !== ${name}) return h.refuse(r, known, p, p + ${JSON.stringify(`${field.name}: REQUIRED column is null`)});` : '';
    // No raw table has a REPEATED scalar (the writer schema would pack it); only records repeat.
    if (field.mode === 'REPEATED' && field.type !== 'RECORD') throw new Error(`${field.name}: REPEATED ${field.type} columns are not supported`);
    const present =
      field.mode !== 'REPEATED'
        ? item(`p + ${name}`, tag)
        : `if (!Array.isArray(v)) return h.refuse(r, known, p, p + ${JSON.stringify(`${field.name}: REPEATED column needs an array, got `)} + typeof v); ` +
          `const a = v; for (let i = 0; i < a.length; i++) { v = a[i]; ${item(`p + ${name} + '[' + i + ']'`, tag)} }`;
    lines.push(`if (v === undefined || v === null) { if (v === null || ${name} in r) n++; ${absent} } else { n++; ${present} }`);
  }
  lines.push('let keys = 0; for (const k in r) keys++;', "return keys <= n ? undefined : h.refuse(r, known, p, 'unknown column');");
  const body = `return function encode(r, w, p, d) {\n${lines.join('\n')}\n};`;
  return new Function('h', 'nested', 'known', body)(helpers, nested, known) as RecordEncoder;
}
