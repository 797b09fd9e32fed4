import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { renderMartsDoc } from '../../batch/docs.ts';
import { loadModels } from '../../batch/models.ts';

test('docs/marts.md is generated from the current model metadata (npm run docs:marts)', async () => {
  const committed = await readFile(new URL('../../docs/marts.md', import.meta.url), 'utf8');
  assert.equal(committed, renderMartsDoc(loadModels()), 'stale: run npm run docs:marts');
});

test('every model and every column has a description; docs/marts.md documents every mart column and draws the star', () => {
  const models = loadModels();
  const doc = renderMartsDoc(models);
  for (const model of models) {
    assert.ok(model.description.length > 10, `${model.name} has a description`);
    assert.ok(model.columns.length > 0, `${model.name} declares its columns`);
    for (const column of model.columns) assert.ok(column.description.length > 3, `${model.name}.${column.name} has a description`);
  }
  for (const model of models.filter((m) => m.publish !== 'none' || m.materialized === 'view')) {
    assert.ok(doc.includes(`## \`${model.name}\``), model.name);
    for (const column of model.columns) assert.ok(doc.includes(`| \`${column.name}\` | ${column.type} |`), `${model.name}.${column.name}`);
  }
  assert.match(doc, /```mermaid\nerDiagram\n {2}dim_customers \|\|--o\{ fact_orders : "customer_id"/);
  assert.match(doc, /dim_products \|\|--o\{ fact_sales : "product_id"/);
  assert.match(doc, /dim_date \|\|--o\{ fact_sales : "purchase_date"/);
});
