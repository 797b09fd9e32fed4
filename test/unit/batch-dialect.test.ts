import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { NO_VARS, render, stringLiteral, type RenderVars, type Target } from '../../batch/dialect.ts';
import { inlinedSelect, modelStatement } from '../../batch/compile.ts';
import { DUCKDB_TARGET } from '../../batch/engines/duckdb.ts';
import { bigqueryTarget } from '../../batch/engines/bigquery.ts';
import { loadModels, parseModel, topologicalOrder } from '../../batch/models.ts';
import { daysBefore, msBefore } from '../../batch/work.ts';
import { MACRO_PROBE, MACRO_PROBE_VALUES, asText } from '../helpers/macro-probe.ts';
import { dateRange } from '../../cli/commands/batch.ts';

const BQ: Target = bigqueryTarget('proj');
const vars: RenderVars = {
  ...NO_VARS,
  dates: ['2026-11-01', '2026-11-02'],
  watermark: '2026-11-02 10:00:00.000000',
  asOf: '2026-11-03',
  martTables: new Set(['dim_customers']),
  timeZone: 'America/Sao_Paulo',
};

describe('dialect layer', () => {
  test('references: schema.table on DuckDB, `project.dataset.table` on BigQuery', () => {
    const sql = "SELECT * FROM {{ ref('stg_orders') }} JOIN {{ source('orders') }} JOIN {{ mart('fact_sales') }}";
    assert.equal(render(sql, { target: DUCKDB_TARGET, vars }), 'SELECT * FROM audit.stg_orders JOIN raw.orders JOIN mart.fact_sales');
    assert.equal(render(sql, { target: BQ, vars }), 'SELECT * FROM `proj.audit.stg_orders` JOIN `proj.raw.orders` JOIN `proj.mart.fact_sales`');
  });

  test('run variables: dates, watermark, as-of date, previous() falls back before the first publish', () => {
    const sql = "{{ work_dates() }} | {{ watermark() }} | {{ as_of() }} | {{ previous('dim_customers', 'empty') }} | {{ previous('dim_products', 'empty') }}";
    assert.equal(
      render(sql, { target: DUCKDB_TARGET, vars }),
      "DATE '2026-11-01', DATE '2026-11-02' | TIMESTAMP '2026-11-02 10:00:00.000000' | DATE '2026-11-03' | mart.dim_customers | empty",
    );
    assert.equal(render('{{ watermark() }}', { target: DUCKDB_TARGET, vars: NO_VARS }), "TIMESTAMP '1970-01-01 00:00:00'");
  });

  test('one body per engine for each macro, arguments parenthesised', () => {
    const both = (sql: string) => [render(sql, { target: DUCKDB_TARGET, vars }), render(sql, { target: BQ, vars })];
    assert.deepEqual(both("{{ money('a') }}"), ['CAST(a AS DECIMAL(18, 2))', 'ROUND(CAST(a AS NUMERIC), 2)']);
    assert.deepEqual(both("{{ cents('a + b') }}"), ['CAST(ROUND((a + b) * 100) AS BIGINT)', 'CAST(ROUND((a + b) * 100) AS INT64)']);
    assert.deepEqual(both("{{ int_div('a', 'b + c') }}"), ['((a) // (b + c))', 'DIV(a, b + c)']);
    assert.deepEqual(both("{{ days_between('s', 'e') }}"), ["date_diff('day', s, e)", 'DATE_DIFF(e, s, DAY)']);
    assert.deepEqual(both("{{ local_date('t') }}"), ["CAST(timezone('America/Sao_Paulo', timezone('UTC', t)) AS DATE)", "DATE(t, 'America/Sao_Paulo')"]);
    assert.deepEqual(both("{{ int_from_text('x') }}"), [
      "CASE WHEN regexp_full_match(x, '-?[0-9]+') THEN CAST(x AS BIGINT) END",
      "CASE WHEN REGEXP_CONTAINS(x, r'^-?[0-9]+$') THEN CAST(x AS INT64) END",
    ]);
    assert.deepEqual(both("{{ month_start('d') }}"), ["CAST(date_trunc('month', d) AS DATE)", 'DATE_TRUNC(d, MONTH)']);
  });

  test('unknown macros, unquoted arguments and bad dates are errors, not silent text', () => {
    assert.throws(() => render('{{ nope() }}', { target: DUCKDB_TARGET, vars }), /unknown macro nope\(\)/);
    assert.throws(() => render('{{ money(a) }}', { target: DUCKDB_TARGET, vars }), /cannot render \{\{ money\(a\) \}\}/);
    assert.throws(() => render("{{ date_literal('2026-1-1') }}", { target: DUCKDB_TARGET, vars }), /not a YYYY-MM-DD date/);
  });

  test('string literals escape per engine', () => {
    assert.equal(stringLiteral('duckdb', "santa barbara d'oeste"), "'santa barbara d''oeste'");
    assert.equal(stringLiteral('bigquery', "d'oeste\\x\n"), "'d\\'oeste\\\\x\\n'");
  });

  test('DuckDB evaluates the macros to the values BigQuery gives for its bodies', async () => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const [row] = (await db.runAndReadAll(render(MACRO_PROBE, { target: DUCKDB_TARGET, vars }))).getRowObjectsJson();
    assert.deepEqual(asText(row!), MACRO_PROBE_VALUES);
  });
});

describe('models', () => {
  const models = loadModels();

  test('every layer is present, each model comes after the models it refs', () => {
    assert.deepEqual([...new Set(models.map((m) => m.layer))].sort(), ['intermediate', 'kpi', 'marts', 'staging']);
    const seen = new Set<string>();
    for (const model of models) {
      for (const ref of model.refs) assert.ok(seen.has(ref), `${model.name} after ${ref}`);
      seen.add(model.name);
    }
    for (const name of [
      'fact_sales',
      'fact_orders',
      'dim_customers',
      'dim_products',
      'dim_sellers',
      'dim_date',
      'agg_daily_sales',
      'agg_seller_daily',
      'agg_product_daily',
      'agg_state_daily',
    ]) {
      assert.notEqual(models.find((m) => m.name === name)?.publish ?? 'none', 'none', name);
    }
  });

  test('every model follows the shape: import CTEs, logic CTEs, then a bare select of the last one', () => {
    for (const model of models) assert.match(model.sql.trimEnd(), /\n\nSELECT \* FROM [a-z_]+$/, model.name);
  });

  test('the config line is required and checked; unknown refs and cycles are errors', () => {
    assert.throws(() => parseModel('x', 'marts', 'SELECT 1'), /first line must be/);
    assert.throws(() => parseModel('x', 'marts', '-- config: materialized=table publish=partitions\nSELECT 1'), /needs partition_by/);
    const a = parseModel('a', 'marts', "-- config: materialized=table\nSELECT * FROM {{ ref('b') }}");
    const b = parseModel('b', 'marts', "-- config: materialized=table\nSELECT * FROM {{ ref('a') }}");
    assert.throws(() => topologicalOrder([a, b]), /cycle/);
    assert.throws(() => topologicalOrder([a]), /refs unknown model b/);
  });

  test('tables land in audit (BigQuery with partitioning and clustering), KPI views in mart', () => {
    const fact = models.find((m) => m.name === 'fact_sales')!;
    assert.match(
      modelStatement(fact, BQ, vars),
      /^CREATE OR REPLACE TABLE `proj\.audit\.fact_sales`\nPARTITION BY purchase_date\nCLUSTER BY seller_id, product_id AS\n/,
    );
    assert.match(modelStatement(fact, DUCKDB_TARGET, vars), /^CREATE OR REPLACE TABLE audit\.fact_sales AS\n/);
    const kpi = models.find((m) => m.layer === 'kpi')!;
    assert.match(modelStatement(kpi, DUCKDB_TARGET, vars), /^CREATE OR REPLACE VIEW mart\.kpi_/);
  });

  test('inlining a model reads only raw and snapshot tables, never another candidate', () => {
    const sql = inlinedSelect(
      models.find((m) => m.name === 'fact_sales')!,
      models,
      DUCKDB_TARGET,
      vars,
    );
    const candidates = [...sql.matchAll(/audit\.([a-z_]+)/g)].map((m) => m[1]);
    // audit.work_orders is the run's order list, written before any model.
    assert.ok(
      candidates.every((name) => name!.startsWith('snapshot_') || name === 'work_orders'),
      candidates.join(),
    );
  });
});

describe('work helpers', () => {
  test('msBefore keeps the microsecond text form', () => {
    assert.equal(msBefore('2026-03-01 00:10:00.123456', 15 * 60_000), '2026-02-28 23:55:00.123456');
    assert.equal(msBefore('2026-03-01 00:10:00', 0), '2026-03-01 00:10:00.000000');
  });
  test('daysBefore moves the date part only', () => {
    assert.equal(daysBefore('2026-03-01 10:00:00.5', 1), '2026-02-28 10:00:00.5');
    assert.equal(daysBefore('2026-03-01 10:00:00', 0), '2026-03-01 10:00:00');
  });
  test('dateRange is inclusive and refuses reversed ranges', () => {
    assert.deepEqual(dateRange('2026-02-27', '2026-03-01'), ['2026-02-27', '2026-02-28', '2026-03-01']);
    assert.throws(() => dateRange('2026-03-02', '2026-03-01'), /before --from/);
  });
});
