import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { lookmlProject } from '../../bi/lookml.ts';
import { loadMartSchema, type MartTable } from '../../bi/mart-schema.ts';
import { tableauDataSources } from '../../bi/tableau.ts';
import { listFiles } from '../../bi/write.ts';

// The committed LookML project and Tableau data sources are current (regenerate with
// `orderflow bi lookml` / `orderflow bi tableau`), parse with real parsers, and name only real mart columns.

const LOOKER_DIR = fileURLToPath(new URL('../../bi/looker/', import.meta.url));
const TABLEAU_DIR = fileURLToPath(new URL('../../bi/tableau/', import.meta.url));

let mart: MartTable[];
let columns: Map<string, Set<string>>;

before(async () => {
  mart = await loadMartSchema();
  columns = new Map(mart.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
});

async function committed(dir: string): Promise<Record<string, string>> {
  const files = await listFiles(dir);
  return Object.fromEntries(await Promise.all(files.map(async (f) => [relative(dir, f), await readFile(f, 'utf8')] as const)));
}

test('bi/looker/ is what `orderflow bi lookml` generates from the current models', async () => {
  const expected = lookmlProject(mart);
  const actual = await committed(LOOKER_DIR);
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), 'files differ: run `npx orderflow bi lookml`');
  for (const [path, content] of Object.entries(expected)) assert.equal(actual[path], content, `${path} is stale: run \`npx orderflow bi lookml\``);
});

test('bi/tableau/ is what `orderflow bi tableau` generates from the current models', async () => {
  const expected = tableauDataSources(mart);
  const actual = await committed(TABLEAU_DIR);
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), 'files differ: run `npx orderflow bi tableau`');
  for (const [path, content] of Object.entries(expected)) assert.equal(actual[path], content, `${path} is stale: run \`npx orderflow bi tableau\``);
});

interface LookmlField {
  $name: string;
  sql?: string;
  sql_on?: string;
  timeframes?: string[];
  primary_key?: boolean;
  type?: string;
  convert_tz?: boolean;
}
interface LookmlView {
  $name: string;
  sql_table_name?: string;
  derived_table?: { sql: string };
  dimension?: Record<string, LookmlField>;
  dimension_group?: Record<string, LookmlField>;
  measure?: Record<string, LookmlField>;
}
interface LookmlModel {
  view: Record<string, LookmlView>;
  explore: Record<string, { $name: string; from?: string; join?: Record<string, LookmlField> }>;
  dashboard: Record<string, unknown>;
}

async function parseLookml(): Promise<LookmlModel> {
  // lookml-parser is CommonJS without types.
  const parser = createRequire(import.meta.url)('lookml-parser') as {
    parseFiles(o: object): Promise<{ model: Record<string, LookmlModel>; errors?: unknown[] }>;
  };
  const files = await committed(LOOKER_DIR);
  const project = await parser.parseFiles({
    source: Object.entries(files).map(([path, content]) => ({ path, content })),
    fileOutput: 'by-name',
    console: { log() {}, warn() {}, error() {} },
  });
  assert.equal(project.errors, undefined, `lookml-parser: ${JSON.stringify(project.errors)}`);
  const model = project.model.orderflow;
  assert.ok(model, 'orderflow.model.lkml parsed into model orderflow');
  return model;
}

/** Field names a view exposes: dimensions, measures, and a dimension_group's name_timeframe fields. */
function fieldsOf(view: LookmlView): Set<string> {
  const names = [...Object.keys(view.dimension ?? {}), ...Object.keys(view.measure ?? {})];
  for (const [group, spec] of Object.entries(view.dimension_group ?? {})) for (const tf of spec.timeframes ?? []) names.push(`${group}_${tf}`);
  return new Set(names);
}

const TABLE_REF = /\$\{TABLE\}\.([a-z0-9_]+)/g;
const FIELD_REF = /\$\{([a-z0-9_]+)(?:\.([a-z0-9_]+))?\}/g;

test('the LookML parses, has a view per mart table and every sql names real mart columns and fields', async () => {
  const model = await parseLookml();
  for (const table of mart) assert.ok(model.view[table.name], `a view for mart.${table.name}`);
  const problems: string[] = [];
  for (const view of Object.values(model.view)) {
    const own = fieldsOf(view);
    let real: Set<string>;
    if (view.sql_table_name) {
      const table = /^\s*`mart\.([a-z0-9_]+)`\s*$/.exec(view.sql_table_name)?.[1];
      if (!table || !columns.has(table)) {
        problems.push(`${view.$name}: sql_table_name ${view.sql_table_name} is not a mart table`);
        continue;
      }
      real = columns.get(table)!;
    } else {
      // A derived table: its FROM must be a mart table with the columns it reads; ${TABLE} then names its output columns.
      const sql = view.derived_table!.sql;
      const from = /FROM\s+`mart\.([a-z0-9_]+)`/.exec(sql)?.[1];
      assert.ok(from && columns.has(from), `${view.$name}: derived table reads a mart table`);
      const select = /SELECT\s+(.*?)\s+FROM/s.exec(sql)![1]!;
      const outputs = select.split(',').map((part) => /(?:AS\s+)?([a-z0-9_]+)\s*$/i.exec(part.trim())![1]!);
      for (const part of select.split(',')) {
        const source = /^\s*([a-z0-9_]+)\s*(?:AS|$)/i.exec(part)?.[1];
        if (source && !columns.get(from)!.has(source)) problems.push(`${view.$name}: derived table reads ${from}.${source}, not a column`);
      }
      real = new Set(outputs);
    }
    const fields = [...Object.values(view.dimension ?? {}), ...Object.values(view.dimension_group ?? {}), ...Object.values(view.measure ?? {})];
    for (const field of fields) {
      for (const [, column] of (field.sql ?? '').matchAll(TABLE_REF))
        if (!real.has(column!)) problems.push(`${view.$name}.${field.$name}: \${TABLE}.${column} is not a column`);
      for (const [, name, sub] of (field.sql ?? '').matchAll(FIELD_REF)) {
        if (name === 'TABLE') continue;
        if (sub === undefined && !own.has(name!)) problems.push(`${view.$name}.${field.$name}: \${${name}} is not a field of the view`);
      }
    }
    const keys = fields.filter((f) => f.primary_key);
    if (mart.find((t) => t.name === view.$name)?.kind !== 'kpi') assert.equal(keys.length, 1, `${view.$name} has one primary key`);
  }
  for (const explore of Object.values(model.explore)) {
    const base = explore.from ?? explore.$name;
    assert.ok(model.view[base], `explore ${explore.$name} has its view`);
    for (const join of Object.values(explore.join ?? {})) {
      for (const [, view, field] of (join.sql_on ?? '').matchAll(FIELD_REF)) {
        if (!model.view[view!] || !fieldsOf(model.view[view!]!).has(field!))
          problems.push(`explore ${explore.$name} join ${join.$name}: \${${view}.${field}} is not a field`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('the explores join both facts to their dimensions, SCD2 dimensions as of the purchase date', async () => {
  const model = await parseLookml();
  const sales = model.explore.fact_sales!.join!;
  assert.deepEqual(Object.keys(sales).sort(), ['dim_customers', 'dim_date', 'dim_products', 'dim_sellers', 'fact_orders']);
  for (const scd2 of [sales.dim_products!, sales.dim_customers!, model.explore.fact_orders!.join!.dim_customers!]) {
    assert.match(scd2.sql_on!, /purchase_raw\} >= \$\{dim_[a-z]+\.valid_from_raw\}/);
    assert.match(scd2.sql_on!, /valid_to_raw\} IS NULL OR \$\{fact_[a-z]+\.purchase_raw\} < \$\{dim_[a-z]+\.valid_to_raw\}/);
  }
  const orders = model.view.fact_orders!;
  for (const kpi of ['revenue', 'orders', 'items', 'average_order_value', 'average_delivery_days', 'late_delivery_rate'])
    assert.ok(orders.measure?.[kpi], `fact_orders.${kpi}`);
  assert.ok(model.view.customer_order_counts!.measure!.repeat_customer_rate);
  // Timestamps are shown in the business time zone; dates are business dates already.
  assert.match(orders.dimension_group!.order_purchase!.sql!, /DATETIME\(\$\{TABLE\}\.order_purchase_timestamp, "America\/Sao_Paulo"\)/);
  assert.equal(orders.dimension_group!.purchase!.convert_tz, false);
});

test('the LookML dashboard has the 8 KPI tiles, each on a real explore and real fields', async () => {
  const model = await parseLookml();
  const [dashboard] = Object.values(model.dashboard) as {
    elements: { name: string; explore: string; model: string; fields: string[]; sorts?: string[]; pivots?: string[] }[];
  }[][];
  const elements = dashboard![0]!.elements;
  assert.deepEqual(
    elements.map((e) => e.explore).sort(),
    mart
      .filter((t) => t.kind === 'kpi')
      .map((t) => t.name)
      .sort(),
  );
  for (const element of elements) {
    assert.equal(element.model, 'orderflow');
    const explore = model.explore[element.explore];
    assert.ok(explore, `${element.name}: explore ${element.explore}`);
    const fields = fieldsOf(model.view[element.explore]!);
    for (const ref of [...element.fields, ...(element.sorts ?? []), ...(element.pivots ?? [])]) {
      const [view, field] = ref.replace(/ (asc|desc)$/, '').split('.');
      assert.equal(view, element.explore, `${element.name}: ${ref}`);
      assert.ok(fields.has(field!), `${element.name}: ${ref} is not a field`);
    }
  }
});

test('every .tds is well-formed XML whose relation, columns, calculations and drill path name real mart columns', async () => {
  const files = await committed(TABLEAU_DIR);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['metadata-record', 'column', 'field'].includes(name) });
  for (const [file, xml] of Object.entries(files)) {
    assert.equal(XMLValidator.validate(xml), true, `${file} is well-formed`);
    const source = parser.parse(xml).datasource;
    const table = /^\[mart\]\.\[([a-z0-9_]+)\]$/.exec(source.connection.relation.table)?.[1];
    assert.ok(table && columns.has(table), `${file}: relation ${source.connection.relation.table}`);
    const real = columns.get(table)!;
    const records = source.connection['metadata-records']['metadata-record'] as { 'remote-name': string }[];
    assert.deepEqual(
      records.map((r) => r['remote-name']),
      [...real],
      `${file}: one metadata record per column, in order`,
    );
    const calculated = new Set<string>();
    for (const column of source.column as { name: string; caption: string; calculation?: { formula: string } }[]) {
      const name = column.name.slice(1, -1);
      assert.ok(column.caption, `${file}: ${name} has a caption`);
      if (column.calculation) {
        calculated.add(name);
        for (const [, ref] of column.calculation.formula.matchAll(/\[([a-z0-9_]+)\]/g)) assert.ok(real.has(ref!), `${file}: ${name} reads [${ref}]`);
      } else assert.ok(real.has(name), `${file}: column ${name} is real`);
    }
    const described = mart.find((t) => t.name === table)!.columns.filter((c) => c.description);
    for (const c of described) assert.match(xml, new RegExp(`name="\\[${c.name}\\]"[^>]*>\\s*<desc>`), `${file}: ${c.name} carries its description`);
    if (real.has('purchase_date')) {
      const path = source['drill-paths']['drill-path'];
      assert.equal(path.name, 'Purchase Date');
      assert.deepEqual(path.field, ['[purchase_year]', '[purchase_quarter]', '[purchase_month]', '[purchase_date]']);
      for (const f of path.field as string[]) assert.ok(calculated.has(f.slice(1, -1)) || real.has(f.slice(1, -1)));
    }
  }
  assert.ok(files['fact_sales.tds'] && files['fact_orders.tds']);
});
