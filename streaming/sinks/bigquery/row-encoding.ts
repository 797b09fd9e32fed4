import { adapt, protos } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
import type { Field } from '../../../common/table-schemas.ts';
import type { Row } from '../../rows.ts';

/** A row shaped for protobufjs: int64 columns as safe numbers or decimal strings (int64()), nulls left for it to skip. */
export type StorageValue = string | number | boolean | null | StorageRow | StorageValue[];
export interface StorageRow {
  [column: string]: StorageValue;
}

export type Encoded = { ok: true; row: StorageRow; serialized: Uint8Array } | { ok: false; reason: string };

/** The proto2 writer schema of a table, derived from its schemas/raw/*.json fields (never restated). */
export function writerDescriptor(fields: Field[]): protos.google.protobuf.IDescriptorProto {
  // The adapter's schema type is a structural copy of BigQuery's JSON schema format, which Field is.
  const storageSchema = adapt.convertBigQuerySchemaToStorageTableSchema({
    fields: fields as unknown as Parameters<typeof adapt.convertBigQuerySchemaToStorageTableSchema>[0]['fields'],
  });
  return adapt.convertStorageSchemaToProto2Descriptor(storageSchema, 'root');
}

class RowRejected extends Error {}

/** A record type's columns with what checking them needs, worked out once per table rather than per row. */
interface Shape {
  fields: Field[];
  known: Set<string>;
  nested: Map<string, Shape>;
}

function shapeOf(fields: Field[]): Shape {
  const nested = new Map(fields.filter((f) => f.type === 'RECORD').map((f) => [f.name, shapeOf(f.fields ?? [])]));
  return { fields, known: new Set(fields.map((f) => f.name)), nested };
}

/**
 * One table's rows to Storage Write protobuf bytes: the writer schema and its protobufjs type are
 * built once, each row is checked and converted (encodeRow's rules), then serialized directly,
 * without the managedwriter JSONWriter's deep copy and second conversion of every row.
 */
export class RowEncoder {
  readonly descriptor: protos.google.protobuf.IDescriptorProto;
  private readonly type: protobuf.Type;
  private readonly shape: Shape;

  constructor(fields: Field[]) {
    this.descriptor = writerDescriptor(fields);
    // As the JSONWriter builds its type (ext/descriptor is loaded by @google-cloud/bigquery-storage).
    const descriptorType = protobuf.Type as unknown as { fromDescriptor(descriptor: unknown): protobuf.Type };
    this.type = descriptorType.fromDescriptor(adapt.normalizeDescriptor(new protos.google.protobuf.DescriptorProto(this.descriptor)));
    this.shape = shapeOf(fields);
  }

  /**
   * `deferred`: a top-level REQUIRED column that may be null here because the caller appends it to
   * the bytes as it sends them (the write time, TableWriter); left out of the encoding.
   */
  encode(row: Row, deferred?: string): Encoded {
    let converted: StorageRow;
    try {
      converted = convertRecord(this.shape, row, '', deferred);
    } catch (error) {
      if (error instanceof RowRejected) return { ok: false, reason: error.message };
      throw error;
    }
    return { ok: true, row: converted, serialized: this.type.encode(converted).finish() };
  }
}

const encoders = new WeakMap<Field[], RowEncoder>();

/**
 * Checks a row against its table's columns, converts it for the Storage Write API and serializes
 * it (RowEncoder, one per fields array). Checked here, not left to protobufjs, because it fails
 * silently: it encodes a bigint int64 as 0, a null REQUIRED field as its zero value ('' or
 * 1970-01-01), and drops unknown keys.
 */
export function encodeRow(fields: Field[], row: Row): Encoded {
  let encoder = encoders.get(fields);
  if (!encoder) encoders.set(fields, (encoder = new RowEncoder(fields)));
  return encoder.encode(row);
}

/**
 * A shallow copy of the record (V8 clones a row's shape at once) with each column checked and the
 * values protobufjs cannot take as they are replaced: int64 bigints, nested records. Nulls stay
 * (protobufjs leaves them out).
 */
function convertRecord(shape: Shape, record: Record<string, unknown>, prefix: string, deferred?: string): StorageRow {
  // Rows carry their columns and seldom more: look for a stranger without building a key list.
  for (const key in record) {
    if (shape.known.has(key)) continue;
    const unknown = Object.keys(record).filter((name) => !shape.known.has(name));
    throw new RowRejected(`unknown column ${unknown.map((k) => prefix + k).join(', ')}`);
  }
  const out = { ...record } as StorageRow;
  for (const field of shape.fields) {
    const value = record[field.name];
    if (value === null || value === undefined) {
      if (field.mode === 'REQUIRED' && field.name !== deferred) throw new RowRejected(`${prefix}${field.name}: REQUIRED column is null`);
      continue;
    }
    if (field.mode === 'REPEATED') {
      if (!Array.isArray(value)) throw new RowRejected(`${prefix}${field.name}: REPEATED column needs an array, got ${typeof value}`);
      out[field.name] = value.map((item, i) => convertValue(shape, field, item, prefix, i));
    } else {
      const converted = convertValue(shape, field, value, prefix, -1);
      if (converted !== value) out[field.name] = converted;
    }
  }
  return out;
}

/** The value as protobufjs takes it; throws RowRejected naming the column (`prefix` + name, `[index]` when repeated). */
function convertValue(shape: Shape, field: Field, value: unknown, prefix: string, index: number): StorageValue {
  switch (field.type) {
    case 'STRING':
      if (typeof value === 'string') return value;
      break;
    case 'NUMERIC':
      // A JS number would already have lost digits; only exact decimal strings go through.
      if (typeof value === 'string' && DECIMAL.test(value)) return value;
      break;
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      break;
    case 'INTEGER':
      if (typeof value === 'bigint') return int64(value);
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      break;
    case 'TIMESTAMP':
      // Microseconds since the epoch.
      if (typeof value === 'bigint') return int64(value);
      break;
    case 'RECORD':
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return convertRecord(shape.nested.get(field.name)!, value as Record<string, unknown>, `${columnName(field, prefix, index)}.`);
      }
  }
  throw new RowRejected(`${columnName(field, prefix, index)}: ${field.type} needs ${EXPECTED[field.type]}, got ${value === null ? 'null' : typeof value}`);
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
const columnName = (field: Field, prefix: string, index: number) => `${prefix}${field.name}${index >= 0 ? `[${index}]` : ''}`;

/**
 * An int64 for protobufjs, exactly: a number while it is safe (every timestamp before the year
 * 2255 in µs), else a decimal string (read through long.js). Never a bigint, which it writes as 0.
 * A number is what protobufjs writes fastest; a string costs a BigInt print and a long.js parse.
 */
const int64 = (value: bigint): number | string => {
  // One conversion: a safe result is exact (anything beyond 2^53 - 1 rounds to an unsafe number).
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value.toString();
};
