import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { DUCKDB_BLOCK_SIZE, withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Two OS processes append to one file in short turns; neither fails on the other's lock.
const writer = `
import { withDuckDBFile } from ${JSON.stringify(new URL('../../common/warehouse/duckdb-file.ts', import.meta.url).href)};
const [path, tag, batches] = process.argv.slice(-3);
for (let b = 0; b < Number(batches); b++) {
  await withDuckDBFile(path, async (c) => {
    await c.run('BEGIN');
    await c.run('CREATE TABLE IF NOT EXISTS t (tag VARCHAR, n INTEGER)');
    await c.run(\`INSERT INTO t SELECT '\${tag}', range FROM range(1000)\`);
    await c.run('COMMIT');
  });
}
`;

const run = (path: string, tag: string, batches: number) =>
  new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer, path, tag, String(batches)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', resolve);
  });

test('two processes share one warehouse file by taking turns', async () => {
  const path = join(tempDir('duckdb'), 'warehouse.duckdb');
  const codes = await Promise.all([run(path, 'a', 15), run(path, 'b', 15)]);
  assert.deepEqual(codes, [0, 0]);
  const counts = await withDuckDBFile(path, async (c) =>
    (await c.runAndReadAll('SELECT tag, count(*)::INTEGER AS n FROM t GROUP BY tag ORDER BY tag')).getRowObjectsJS(),
  );
  assert.deepEqual(counts, [
    { tag: 'a', n: 15000 },
    { tag: 'b', n: 15000 },
  ]);
});

test('a file that is not a DuckDB database gives one clear error', async () => {
  const path = join(tempDir('duckdb'), 'not-a-db.duckdb');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, 'hello');
  await assert.rejects(
    withDuckDBFile(path, async () => 1),
    /cannot open DuckDB warehouse .*not-a-db\.duckdb/,
  );
});

test('a new warehouse file gets 64 KB blocks; an existing file keeps its own', async () => {
  const dir = tempDir('duckdb');
  const blockSize = (path: string) =>
    withDuckDBFile(path, async (c) => Number((await c.runAndReadAll('SELECT block_size FROM pragma_database_size()')).getRows()[0]![0]));
  assert.equal(await blockSize(join(dir, 'new.duckdb')), DUCKDB_BLOCK_SIZE);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const older = join(dir, 'older.duckdb');
  (await DuckDBInstance.create(older)).closeSync();
  assert.equal(await blockSize(older), 262_144);
});
