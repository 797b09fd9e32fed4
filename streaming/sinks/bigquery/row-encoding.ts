import { adapt, type protos } from '@google-cloud/bigquery-storage';
import type { Field } from '../../../common/table-schemas.ts';
import type { Row } from '../../../common/warehouse/rows.ts';

/** A row shaped for the managedwriter's JSONWriter: int64 columns as decimal strings, nothing else to convert. */
export type StorageValue = string | number | boolean | StorageRow | StorageValue[];
export interface StorageRow {
  [column: string]: StorageValue;
}

export type Encoded = { ok: true; row: StorageRow; bytes: number } | { ok: false; reason: string };

/** The proto2 writer schema of a table, derived from its schemas/raw/*.json fields (never restated). */
export function writerDescriptor(fields: Field[]): protos.google.protobuf.IDescriptorProto {
  // The adapter's schema type is a structural copy of BigQuery's JSON schema format, which Field is.
  const storageSchema = adapt.convertBigQuerySchemaToStorageTableSchema({ fields: fields as unknown as Parameters<typeof adapt.convertBigQuerySchemaToStorageTableSchema>[0]['fields'] });
  return adapt.convertStorageSchemaToProto2Descriptor(storageSchema, 'root');
}

class RowRejected extends Error {}

/**
 * Checks a row against its table's columns and converts it for the JSONWriter. Checked here, not
 * left to the client, because the client fails silently: protobufjs encodes a bigint int64 as 0,
 * a null REQUIRED field as its zero value ('' or 1970-01-01), and drops unknown keys.
 * `bytes` bounds the row's encoded size (its JSON is never smaller than its proto), for request sizing.
 */
export function encodeRow(fields: Field[], row: Row): Encoded {
  try {
    const converted = convertRecord(fields, row, '');
    return { ok: true, row: converted, bytes: Buffer.byteLength(JSON.stringify(converted)) };
  } catch (error) {
    if (error instanceof RowRejected) return { ok: false, reason: error.message };
    throw error;
  }
}

function convertRecord(fields: Field[], record: Record<string, unknown>, prefix: string): StorageRow {
  const known = new Set(fields.map((f) => f.name));
  const unknown = Object.keys(record).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new RowRejected(`unknown column ${unknown.map((k) => prefix + k).join(', ')}`);
  const out: StorageRow = {};
  for (const field of fields) {
    const value = record[field.name];
    const name = prefix + field.name;
    if (value === null || value === undefined) {
      if (field.mode === 'REQUIRED') throw new RowRejected(`${name}: REQUIRED column is null`);
      continue;
    }
    if (field.mode === 'REPEATED') {
      if (!Array.isArray(value)) throw new RowRejected(`${name}: REPEATED column needs an array, got ${typeof value}`);
      out[field.name] = value.map((item, i) => convertValue(field, item, `${name}[${i}]`));
    } else {
      out[field.name] = convertValue(field, value, name);
    }
  }
  return out;
}

function convertValue(field: Field, value: unknown, name: string): StorageValue {
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
      return convertRecord(field.fields ?? [], value as Record<string, unknown>, `${name}.`);
  }
}
