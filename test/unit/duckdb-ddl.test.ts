import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadRawTables } from '../../common/table-schemas.ts';
import { duckdbCreateTable } from '../../common/warehouse/duckdb-ddl.ts';

test('a table made before a nullable column was declared gets it: the worker can write to an older warehouse file', async () => {
  const spec = loadRawTables().find((t) => t.name === 'dead_letter')!;
  const older = { ...spec, fields: spec.fields.filter((f) => !f.name.startsWith('source_')) };
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const sql of duckdbCreateTable(older)) await connection.run(sql);
    await connection.run(`INSERT INTO raw.dead_letter (message_id, error_code, received_at) VALUES ('1', 'not_json', TIMESTAMP '2026-11-20 00:00:00')`);
    for (const sql of duckdbCreateTable(spec)) await connection.run(sql);
    // Twice: the DDL runs at every worker start.
    for (const sql of duckdbCreateTable(spec)) await connection.run(sql);
    const columns = (
      await connection.runAndReadAll(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'dead_letter' ORDER BY ordinal_position`,
      )
    )
      .getRows()
      .map((r) => String(r[0]));
    assert.deepEqual(
      columns,
      spec.fields.map((f) => f.name),
    );
    const kept = (await connection.runAndReadAll('SELECT message_id, source_subscription FROM raw.dead_letter')).getRows();
    assert.deepEqual(kept, [['1', null]]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});
