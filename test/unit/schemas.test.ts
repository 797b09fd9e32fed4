import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadRawTables, loadWorkerTables, RAW_TABLE_NAMES, type Field } from '../../common/table-schemas.ts';

const eventSchema = JSON.parse(readFileSync(new URL('../../schemas/order-event.v1.schema.json', import.meta.url), 'utf8'));
const tables = new Map(loadRawTables().map((t) => [t.name, t]));
const METADATA = ['event_id', 'event_type', 'event_time', 'message_id', 'publish_time', 'ingested_at'];
const TYPES = new Set(['STRING', 'INTEGER', 'NUMERIC', 'BOOLEAN', 'TIMESTAMP', 'RECORD']);

function checkFields(fields: Field[], where: string): void {
  const names = fields.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, `duplicate column in ${where}`);
  for (const field of fields) {
    assert.match(field.name, /^[a-z][a-z0-9_]*$/, `${where}.${field.name}`);
    assert.ok(TYPES.has(field.type), `${where}.${field.name}: type ${field.type}`);
    assert.ok(['REQUIRED', 'NULLABLE', 'REPEATED'].includes(field.mode), `${where}.${field.name}: mode`);
    assert.ok(field.description.length > 5, `${where}.${field.name} needs a description`);
    assert.equal(field.type === 'RECORD', Array.isArray(field.fields), `${where}.${field.name}: RECORD iff sub-fields`);
    if (field.fields) checkFields(field.fields, `${where}.${field.name}`);
  }
}

test("the manifest names the worker's four raw tables and the replay log, each with a well-formed BigQuery schema", () => {
  assert.deepEqual([...tables.keys()].sort(), [...RAW_TABLE_NAMES, 'dead_letter_replays'].sort());
  assert.deepEqual(
    loadWorkerTables()
      .map((t) => t.name)
      .sort(),
    [...RAW_TABLE_NAMES].sort(),
  );
  for (const table of tables.values()) {
    checkFields(table.fields, table.name);
    const columns = table.fields.map((f) => f.name);
    for (const column of [...table.key, table.partition.field, ...table.cluster])
      assert.ok(columns.includes(column), `${table.name}: ${column} is not a column`);
  }
});

test('every raw business table carries the event and message metadata columns', () => {
  for (const name of ['orders', 'order_items', 'order_payments'] as const) {
    const columns = tables.get(name)!.fields.map((f) => f.name);
    for (const column of METADATA) assert.ok(columns.includes(column), `${name} lacks ${column}`);
  }
  assert.ok(tables.get('orders')!.fields.some((f) => f.name === 'payment_mismatch' && f.type === 'BOOLEAN'));
});

test('raw tables line up column for column with the contract (Olist names)', () => {
  const props = (def: string) => Object.keys(eventSchema.$defs[def].properties);
  const columns = (name: string) => tables.get(name)!.fields.map((f) => f.name);
  for (const p of [...props('order'), ...props('customer')]) assert.ok(columns('orders').includes(p), `orders lacks ${p}`);
  for (const p of props('item')) assert.ok(columns('order_items').includes(p), `order_items lacks ${p}`);
  for (const p of props('payment')) assert.ok(columns('order_payments').includes(p), `order_payments lacks ${p}`);
});

test('money is NUMERIC with 2 decimals everywhere; the contract says money has 2 decimals', () => {
  for (const table of tables.values()) {
    for (const field of table.fields.filter((f) => f.type === 'NUMERIC'))
      assert.deepEqual([field.precision, field.scale], ['12', '2'], `${table.name}.${field.name}`);
  }
  assert.equal(eventSchema.$defs.money.multipleOf, 0.01);
});

test('the dead-letter table keeps payload, base64, attributes, every reason and the delivery attempt', () => {
  const fields = new Map(tables.get('dead_letter')!.fields.map((f) => [f.name, f]));
  for (const name of ['message_id', 'publish_time', 'attributes', 'payload', 'payload_base64', 'error_code', 'errors', 'delivery_attempt', 'received_at']) {
    assert.ok(fields.has(name), `dead_letter lacks ${name}`);
  }
  assert.equal(fields.get('errors')!.mode, 'REPEATED');
  assert.deepEqual(
    fields.get('errors')!.fields!.map((f) => f.name),
    ['code', 'path', 'message'],
  );
  assert.deepEqual(
    fields.get('attributes')!.fields!.map((f) => f.name),
    ['key', 'value'],
  );
});

test("the dead-letter table keeps Pub/Sub's dead-letter source (delivery_exhausted rows), nullable so older tables take it", () => {
  const fields = new Map(tables.get('dead_letter')!.fields.map((f) => [f.name, f]));
  for (const [name, type] of [
    ['source_subscription', 'STRING'],
    ['source_delivery_count', 'INTEGER'],
    ['source_publish_time', 'TIMESTAMP'],
  ]) {
    assert.equal(fields.get(name!)?.type, type, `dead_letter.${name}`);
    assert.equal(fields.get(name!)?.mode, 'NULLABLE', `dead_letter.${name}`);
  }
});
