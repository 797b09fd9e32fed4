import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
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
    ['a', 1, 3334n],
    ['a', 2, 3333n],
    ['a', 3, 3333n], // 10000 / 3: the spare cent to item 1
    ['b', 1, 7500n],
    ['b', 2, 7n], // 7507 in proportion to 7500 : 7
    ['c', 1, 3n],
    ['c', 2, 2n], // nothing to weigh by: equal shares
    ['d', 1, 0n], // no payments yet
  ]);
});

// Issue 19.5: for any order, the allocated cents sum exactly to its payments, each item gets its
// proportional share to within one cent, and an order without payments allocates nothing.
test('int_item_payment_allocation, any orders: allocations sum to the payments, each within a cent of its exact share', async () => {
  const cents = fc.integer({ min: 0, max: 2_000_000 });
  const order = fc.record({
    items: fc.array(fc.tuple(cents, fc.integer({ min: 0, max: 50_000 })), { minLength: 1, maxLength: 6 }),
    payments: fc.array(fc.integer({ min: 0, max: 3_000_000 }), { maxLength: 4 }),
  });
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run('CREATE SCHEMA audit');
  const model = loadModels().find((m) => m.name === 'int_item_payment_allocation')!;
  const money = (c: number) => `CAST(${c} AS DECIMAL(12, 0)) / 100`;
  await fc.assert(
    fc.asyncProperty(fc.array(order, { minLength: 1, maxLength: 8 }), async (orders) => {
      const items = orders.flatMap((o, n) =>
        o.items.map(([price, freight], i) => `('o${n}', ${i + 1}, CAST(${money(price)} AS DECIMAL(12, 2)), CAST(${money(freight)} AS DECIMAL(12, 2)))`),
      );
      const payments = orders.flatMap((o, n) => o.payments.map((p) => `('o${n}', CAST(${money(p)} AS DECIMAL(12, 2)))`));
      await db.run(
        `CREATE OR REPLACE TABLE audit.stg_order_items AS SELECT * FROM (VALUES ${items.join(', ')}) AS t(order_id, order_item_id, price, freight_value)`,
      );
      await db.run(
        payments.length
          ? `CREATE OR REPLACE TABLE audit.stg_order_payments AS SELECT * FROM (VALUES ${payments.join(', ')}) AS t(order_id, payment_value)`
          : 'CREATE OR REPLACE TABLE audit.stg_order_payments (order_id VARCHAR, payment_value DECIMAL(12, 2))',
      );
      await db.run(modelStatement(model, DUCKDB_TARGET, { ...NO_VARS, dates: ['2026-11-20'] }));
      const rows = (await db.runAndReadAll('SELECT order_id, order_item_id, allocated_cents FROM audit.int_item_payment_allocation ORDER BY 1, 2')).getRowsJS();
      orders.forEach((o, n) => {
        const allocated = rows.filter((r) => r[0] === `o${n}`).map((r) => Number(r[2]));
        assert.equal(allocated.length, o.items.length, 'one row per item');
        const paid = o.payments.reduce((a, b) => a + b, 0);
        assert.equal(
          allocated.reduce((a, b) => a + b, 0),
          paid,
          `order o${n}: the allocations sum to the payments`,
        );
        const weights = o.items.map(([price, freight]) => price + freight);
        const total = weights.reduce((a, b) => a + b, 0);
        allocated.forEach((c, i) => {
          const exact = total === 0 ? paid / o.items.length : (paid * weights[i]!) / total;
          assert.ok(Math.abs(c - exact) < 1, `order o${n} item ${i + 1}: ${c} cents for an exact share of ${exact}`);
        });
      });
    }),
    { numRuns: 60 },
  );
});
