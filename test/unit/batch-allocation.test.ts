import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { modelStatement } from '../../batch/compile.ts';
import { NO_VARS } from '../../batch/dialect.ts';
import { DUCKDB_TARGET } from '../../batch/engines/duckdb.ts';
import { loadModels } from '../../batch/models.ts';

// Given staged rows, expected allocations: the model's unit test (dbt-style), run on DuckDB.
test('int_item_payment_allocation: largest remainder in cents, ties to the lowest item, zero totals split equally', async () => {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run('CREATE SCHEMA audit');
  await db.run(`CREATE TABLE audit.stg_order_items AS SELECT * FROM (VALUES
    ('a', 1, 10.00, 0.00), ('a', 2, 10.00, 0.00), ('a', 3, 10.00, 0.00),
    ('b', 1, 59.90, 15.10), ('b', 2, 0.07, 0.00),
    ('c', 1, 0.00, 0.00), ('c', 2, 0.00, 0.00),
    ('d', 1, 20.00, 5.00)
  ) AS t(order_id, order_item_id, price, freight_value)`);
  await db.run(`ALTER TABLE audit.stg_order_items ALTER price TYPE DECIMAL(12, 2)`);
  await db.run(`ALTER TABLE audit.stg_order_items ALTER freight_value TYPE DECIMAL(12, 2)`);
  await db.run(`CREATE TABLE audit.stg_order_payments AS SELECT order_id, CAST(payment_value AS DECIMAL(12, 2)) AS payment_value FROM (VALUES
    ('a', 100.00), ('b', 50.00), ('b', 25.07), ('c', 0.05)
  ) AS t(order_id, payment_value)`);
  const model = loadModels().find((m) => m.name === 'int_item_payment_allocation')!;
  await db.run(modelStatement(model, DUCKDB_TARGET, { ...NO_VARS, dates: ['2026-11-20'] }));
  const rows = (await db.runAndReadAll('SELECT order_id, order_item_id, allocated_cents FROM audit.int_item_payment_allocation ORDER BY 1, 2')).getRowsJS();
  assert.deepEqual(rows, [
    ['a', 1, 3334n], ['a', 2, 3333n], ['a', 3, 3333n], // 10000 / 3: the spare cent to item 1
    ['b', 1, 7500n], ['b', 2, 7n], // 7507 in proportion to 7500 : 7
    ['c', 1, 3n], ['c', 2, 2n], // nothing to weigh by: equal shares
    ['d', 1, 0n], // no payments yet
  ]);
});
