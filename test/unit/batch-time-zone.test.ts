import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BigQuery } from '@google-cloud/bigquery';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'sql-parser-cst';
import { NO_VARS, render, timeZoneName } from '../../batch/dialect.ts';
import { DUCKDB_TARGET } from '../../batch/engines/duckdb.ts';
import { GoogleBigQueryClient, bigqueryTarget } from '../../batch/engines/bigquery.ts';
import { TIME_ZONE_PROBES, expectedLocalDates, localDateProbe } from '../helpers/macro-probe.ts';

const liveProject = process.env.ORDERFLOW_TEST_PROJECT;
const liveSkip = !liveProject
  ? 'set ORDERFLOW_TEST_PROJECT (and Google credentials) to run the time zone probe on real BigQuery'
  : !process.env.GOOGLE_APPLICATION_CREDENTIALS
    ? 'GOOGLE_APPLICATION_CREDENTIALS is not set: no BigQuery credentials'
    : false;

describe('business time zone: local_date gives the same local dates on both engines', () => {
  for (const [zone, instants] of Object.entries(TIME_ZONE_PROBES)) {
    const vars = { ...NO_VARS, timeZone: zone };
    const expected = expectedLocalDates(zone, instants);

    test(`${zone}: DuckDB (ICU) gives the tz database's local dates around DST changes and midnights`, async () => {
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      const rows = (await db.runAndReadAll(render(localDateProbe(instants), { target: DUCKDB_TARGET, vars }))).getRowObjectsJson();
      assert.deepEqual(
        rows.map((r) => r.local_day),
        expected,
      );
    });

    test(`${zone}: the BigQuery SQL is DATE(ts, zone) and parses`, () => {
      const sql = render(localDateProbe(instants), { target: bigqueryTarget('p'), vars });
      assert.ok(sql.includes(`DATE(ts, '${zone}')`));
      assert.doesNotThrow(() => parse(sql, { dialect: 'bigquery' }));
    });

    test(`${zone}: live BigQuery gives the same local dates`, { skip: liveSkip }, async () => {
      const client = new GoogleBigQueryClient(new BigQuery({ projectId: liveProject }));
      const rows = await client.query(render(localDateProbe(instants), { target: bigqueryTarget(liveProject!), vars }));
      assert.deepEqual(
        rows.map((r) => r.local_day),
        expected,
      );
    });
  }

  test('the probe really crosses dates: some instants fall on another local date than their UTC date', () => {
    const utc = TIME_ZONE_PROBES['America/Sao_Paulo']!.map((ts) => ts.slice(0, 10));
    const local = expectedLocalDates('America/Sao_Paulo', TIME_ZONE_PROBES['America/Sao_Paulo']!);
    assert.ok(local.some((d, i) => d !== utc[i]));
    assert.ok(local.some((d, i) => d === utc[i]));
  });

  test('time zone names: IANA names pass; unknown ones and SQL fail', () => {
    assert.equal(timeZoneName('America/Sao_Paulo'), 'America/Sao_Paulo');
    assert.equal(timeZoneName('UTC'), 'UTC');
    assert.throws(() => timeZoneName('Mars/Olympus'), /unknown time zone/);
    assert.throws(() => timeZoneName("UTC') OR 1=1 --"), /not an IANA time zone name/);
  });
});
