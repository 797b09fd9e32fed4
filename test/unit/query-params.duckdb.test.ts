import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { auditLogSql } from '../../batch/audits/run.ts';
import { DuckDBWarehouse } from '../../batch/engines/duckdb.ts';
import { acquireLease, LeaseHeldError, releaseLease } from '../../batch/lease.ts';
import { lastPublished, recordRunSql, stateDdl, type RunRecord } from '../../batch/state.ts';
import { recordReplays, selectDeadLetters } from '../../streaming/dead-letters/store.ts';

// Issue 19.3: values travel as bound parameters. Each of these would end, or escape from, a
// hand-quoted literal; every path must store or match it exactly as given.
const HOSTILE = ["it's", 'back\\slash', 'new\nline', "'); DROP TABLE audit.batch_runs; --", "o''brien \\' \\\\n"];

describe('bound parameters on DuckDB: hostile values go through unchanged', () => {
  let connection: DuckDBConnection;
  let warehouse: DuckDBWarehouse;
  const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();

  before(async () => {
    connection = await (await DuckDBInstance.create(':memory:')).connect();
    warehouse = new DuckDBWarehouse(connection);
    await warehouse.prepare();
    for (const sql of stateDdl(warehouse.target)) await warehouse.execute(sql);
  });
  after(() => connection.closeSync());

  test('the lease: its holder is the run id as given, another run is refused, and only the holder releases it', async () => {
    const now = new Date('2026-11-20T06:00:00Z');
    for (const runId of HOSTILE) {
      await acquireLease(warehouse, runId, now, 60_000);
      assert.deepEqual(await rows('SELECT holder FROM audit.batch_lease'), [{ holder: runId }]);
      await assert.rejects(acquireLease(warehouse, `${runId}x`, now, 60_000), LeaseHeldError);
      await releaseLease(warehouse, `${runId}x`);
      assert.equal((await rows('SELECT holder FROM audit.batch_lease')).length, 1, 'another run id releases nothing');
      await releaseLease(warehouse, runId);
      assert.deepEqual(await rows('SELECT holder FROM audit.batch_lease'), []);
    }
    assert.ok((await rows("SELECT 1 FROM information_schema.tables WHERE table_name = 'batch_runs'")).length === 1, 'nothing dropped');
  });

  test('the run state: every value of a batch_runs row reads back as written, timestamps naive UTC to the microsecond', async () => {
    const run: RunRecord = {
      runId: HOSTILE[3]!,
      status: 'published',
      dates: ['2026-11-19', '2026-11-20'],
      watermark: '2026-11-20 01:02:03.456789',
      startedAt: '2026-11-20 06:00:00.000',
      finishedAt: '2026-11-20 06:00:01.500',
      timeZone: 'America/Sao_Paulo',
      dimsSha256: HOSTILE[0]!,
      metaSha256: HOSTILE[2]!,
      orders: 42,
      window: { from: '2026-11-20 00:47:03.456789', rows: 7 },
    };
    const { sql, params } = recordRunSql(warehouse.target, run);
    assert.ok(!sql.includes('DROP TABLE') && !sql.includes('2026-11-20'), 'no value in the SQL text');
    await warehouse.execute(sql, params);
    assert.deepEqual(
      await rows(`SELECT run_id, status, dates, strftime(watermark, '%Y-%m-%d %H:%M:%S.%f') AS watermark, strftime(finished_at, '%Y-%m-%d %H:%M:%S.%f') AS finished_at,
        typeof(watermark) AS type, dims_sha256, meta_sha256, orders, window_rows, seq FROM audit.batch_runs`),
      [
        {
          run_id: HOSTILE[3],
          status: 'published',
          dates: '2026-11-19,2026-11-20',
          watermark: '2026-11-20 01:02:03.456789',
          finished_at: '2026-11-20 06:00:01.500000',
          type: 'TIMESTAMP',
          dims_sha256: HOSTILE[0],
          meta_sha256: HOSTILE[2],
          orders: '42',
          window_rows: '7',
          seq: '1',
        },
      ],
    );
    const published = await lastPublished(warehouse);
    assert.equal(published.watermark, '2026-11-20 01:02:03.456789');
    assert.deepEqual(published.window, { from: '2026-11-20 00:47:03.456789', rows: 7 });
    assert.equal(published.dimsSha256, HOSTILE[0]);
    // The first run over empty raw tables has no watermark: SQL NULL, not a parameter.
    const first = recordRunSql(warehouse.target, { ...run, runId: 'second', watermark: null, window: { from: null, rows: 0 } });
    await warehouse.execute(first.sql, first.params);
    assert.deepEqual(await rows("SELECT watermark, window_from, seq FROM audit.batch_runs WHERE run_id = 'second'"), [
      { watermark: null, window_from: null, seq: '2' },
    ]);
  });

  test('the audit log: a check sample holding quotes and newlines is stored as its JSON', async () => {
    const sample = [{ order_id: HOSTILE[3], note: HOSTILE[4] }];
    const results = [{ name: 'check_a', severity: 'blocking' as const, model: 'stg_orders', status: 'fail' as const, failingRows: 1, sample }];
    const { sql, params } = auditLogSql(warehouse.target, HOSTILE[1]!, ['2026-11-20'], results, new Date('2026-11-20T06:00:00Z'));
    await warehouse.execute(sql, params);
    const [row] = await rows(`SELECT run_id, sample, strftime(checked_at, '%Y-%m-%d %H:%M:%S') AS checked_at FROM audit.audit_log`);
    assert.deepEqual(row, { run_id: HOSTILE[1], sample: JSON.stringify(sample), checked_at: '2026-11-20 06:00:00' });
  });

  test('dead letters: list by message id and by code finds exactly the row of that value; replay marks keep the replayer as given', async () => {
    for (const [i, value] of HOSTILE.entries()) {
      await connection.run('INSERT INTO raw.dead_letter (message_id, error_code, received_at) VALUES (?, ?, ?::TIMESTAMP)', [
        value,
        `code ${value}`,
        `2026-11-20 0${i}:00:00`,
      ]);
    }
    await connection.run("INSERT INTO raw.dead_letter (message_id, error_code, received_at) VALUES ('plain', 'schema', '2026-11-21 00:00:00')");
    for (const value of HOSTILE) {
      assert.deepEqual(
        (await selectDeadLetters(warehouse, { messageIds: [value] })).map((r) => [r.message_id, r.error_code]),
        [[value, `code ${value}`]],
      );
      assert.deepEqual(
        (await selectDeadLetters(warehouse, { codes: [`code ${value}`, 'none'] })).map((r) => r.message_id),
        [value],
      );
    }
    const window = await selectDeadLetters(warehouse, { since: new Date('2026-11-20T01:00:00Z'), until: new Date('2026-11-20T03:00:00Z') });
    assert.deepEqual(
      window.map((r) => r.message_id),
      [HOSTILE[1], HOSTILE[2]],
    );

    await recordReplays(
      warehouse,
      HOSTILE.slice(0, 2).map((messageId, i) => ({
        replayId: HOSTILE[4]!,
        replayedAt: new Date('2026-11-22T10:00:00Z'),
        replayedBy: HOSTILE[3]!,
        messageId,
        eventId: i === 0 ? null : HOSTILE[2]!,
        errorCode: `code ${messageId}`,
        topic: 'orders',
        publishedMessageId: `p${i}`,
      })),
    );
    assert.deepEqual(await rows('SELECT DISTINCT replay_id, replayed_by FROM raw.dead_letter_replays'), [{ replay_id: HOSTILE[4], replayed_by: HOSTILE[3] }]);
    assert.deepEqual(
      (await selectDeadLetters(warehouse, { notReplayed: true })).map((r) => r.message_id),
      [...HOSTILE.slice(2), 'plain'],
    );
  });
});
