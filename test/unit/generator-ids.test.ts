import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Catalog } from '../../generator/catalog.ts';

// Issue 22.10: every seller id was also a product id, every product id a customer id.
test('customer, person, product and seller ids come from disjoint streams', () => {
  const catalog = new Catalog(1);
  const ids = (get: (i: number) => string) => new Set(Array.from({ length: 2000 }, (_, i) => get(i)));
  const customers = ids((i) => catalog.customer(i).customer_id);
  const people = ids((i) => catalog.customer(i).customer_unique_id);
  const products = ids((i) => catalog.product(i).product_id);
  const sellers = ids((i) => catalog.seller(i).seller_id);
  const overlap = (a: Set<string>, b: Set<string>) => [...a].filter((id) => b.has(id)).length;
  assert.equal(products.size, 2000);
  assert.equal(sellers.size, 2000);
  assert.equal(overlap(sellers, products), 0);
  assert.equal(overlap(products, customers), 0);
  assert.equal(overlap(customers, people), 0);
  assert.equal(overlap(sellers, customers), 0);
});
