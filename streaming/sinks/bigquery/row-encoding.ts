import { adapt, protos } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
import type { Field } from '../../../common/table-schemas.ts';
import type { Row } from '../../../common/warehouse/rows.ts';

/** A row shaped for protobufjs: int64 columns as decimal strings (read exactly, through long.js), nothing else to convert. */
export type StorageValue = string | number | boolean | StorageRow | StorageValue[];
export interface StorageRow {
  [column: string]: StorageValue;
}

export type Encoded = { ok: true; row: StorageRow; serialized: Uint8Array } | { ok: false; reason: string };

/** The proto2 writer schema of a table, derived from its schemas/raw/*.json fields (never restated). */
export function writerDescriptor(fields: Field[]): protos.google.protobuf.IDescriptorProto {
  // The adapter's schema type is a structural copy of BigQuery's JSON schema format, which Field is.
  const storageSchema = adapt.convertBigQuerySchemaToStorageTableSchema({ fields: fields as unknown as Parameters<typeof adapt.convertBigQuerySchemaToStorageTableSchema>[0]['fields'] });
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

  encode(row: Row): Encoded {
    let converted: StorageRow;
    try {
      converted = convertRecord(this.shape, row, '');
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

function convertRecord(shape: Shape, record: Record<string, unknown>, prefix: string): StorageRow {
  const keys = Object.keys(record);
  // Rows carry their columns and seldom more: compare counts first, name the strangers only then.
  if (keys.length > shape.fields.length || keys.some((key) => !shape.known.has(key))) {
    const unknown = keys.filter((key) => !shape.known.has(key));
    if (unknown.length > 0) throw new RowRejected(`unknown column ${unknown.map((k) => prefix + k).join(', ')}`);
  }
  const out: StorageRow = {};
  for (const field of shape.fields) {
    const value = record[field.name];
    const name = prefix + field.name;
    if (value === null || value === undefined) {
      if (field.mode === 'REQUIRED') throw new RowRejected(`${name}: REQUIRED column is null`);
      continue;
    }
    if (field.mode === 'REPEATED') {
      if (!Array.isArray(value)) throw new RowRejected(`${name}: REPEATED column needs an array, got ${typeof value}`);
      out[field.name] = value.map((item, i) => convertValue(shape, field, item, `${name}[${i}]`));
    } else {
      out[field.name] = convertValue(shape, field, value, name);
    }
  }
  return out;
}

function convertValue(shape: Shape, field: Field, value: unknown, name: string): StorageValue {
  const fail = (expected: string) => new RowRejected(`${name}: ${field.type} needs ${expected}, got ${value === null ? 'null' : typeof value}`);
  switch (field.type) {
    case 'STRING':
      if (typeof value !== 'string') throw fail('a string');
      return value;
    case 'NUMERIC':
      // A JS number would already have lost digits; only exact decimal strings go through.
      if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value)) throw fail('a decimal string');
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw fail('a boolean');
      return value;
    case 'INTEGER':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw fail('a safe integer or bigint');
      return value;
    case 'TIMESTAMP':
      // Microseconds since the epoch; protobufjs reads a decimal string as int64 exactly (a bigint it writes as 0).
      if (typeof value !== 'bigint') throw fail('bigint microseconds');
      return value.toString();
    case 'RECORD':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('an object');
      return convertRecord(shape.nested.get(field.name)!, value as Record<string, unknown>, `${name}.`);
  }
}
