import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStream } from '../../generator/stream.ts';

// Issue 22.10: the top product took 3.1-3.5% of items; in Olist the top one takes 527 of 112,650 (0.47%).
test("30,000 orders over Olist's catalogue: a long tail of products and sellers, as in Olist", () => {
  const stream = new EventStream({ seed: 11, startTime: Date.parse('2026-11-20T00:00:00Z') });
  const products = new Map<string, number>();
  const sellers = new Map<string, number>();
  const customers = new Set<string>();
  let items = 0;
  for (let i = 0; i < 30_000; i++) {
    const event = stream.nextMessage().event!;
    customers.add(event.order.customer_id);
    for (const item of event.items!) {
      items += 1;
      products.set(item.product_id, (products.get(item.product_id) ?? 0) + 1);
      sellers.set(item.seller_id, (sellers.get(item.seller_id) ?? 0) + 1);
    }
  }
  const sales = [...products.values()].sort((a, b) => b - a);
  const top = sales[0]! / items;
  assert.ok(top > 0.002 && top < 0.01, `top product's share of items ${top}`);
  // A head: the top 1% of the catalogue (330 products) sells about a third of the items.
  const head = sales.slice(0, 330).reduce((a, b) => a + b, 0) / items;
  assert.ok(head > 0.25 && head < 0.5, `top 330 products' share ${head}`);
  // A tail: most products sold appear rarely.
  const rare = sales.filter((n) => n <= 2).length / sales.length;
  assert.ok(rare > 0.65, `share of products sold at most twice ${rare}`);
  const bySeller = [...sellers.values()].sort((a, b) => b - a);
  assert.ok(bySeller[0]! / items < 0.04, `top seller's share of items ${bySeller[0]! / items}`);
  assert.ok(bySeller.filter((n) => n < 10).length / bySeller.length > 0.4, 'most sellers sell a handful');
  // Ids of different kinds never meet in one stream (a join on the wrong key matches nothing).
  const overlap = (a: Iterable<string>, b: Set<string> | Map<string, number>) => [...a].filter((id) => b.has(id)).length;
  assert.equal(overlap(sellers.keys(), products), 0);
  assert.equal(overlap(products.keys(), customers), 0);
  assert.equal(overlap(sellers.keys(), customers), 0);
});
