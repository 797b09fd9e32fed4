import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timestampLiteral } from '../../batch/dialect.ts';
import { Bindings, mergeParams, naiveUtcMicros, naiveUtcRfc3339 } from '../../batch/params.ts';

test('a placeholder is spelled per engine, and a missing value is SQL NULL rather than a parameter', () => {
  const bq = new Bindings('bigquery');
  assert.equal(bq.string('run_id', 'r1'), '@run_id');
  assert.equal(bq.timestamp('watermark', null), 'CAST(NULL AS TIMESTAMP)');
  assert.equal(bq.string('event_id', null), 'NULL');
  assert.deepEqual(bq.params, { run_id: { type: 'STRING', value: 'r1' } });
  const duck = new Bindings('duckdb');
  assert.equal(duck.strings('code', ['a', 'b']), '$code_1, $code_2');
  assert.equal(new Bindings('duckdb').params, undefined);
});

test('one name is one value: rebinding it to the same value reuses it, to another is refused', () => {
  const b = new Bindings('bigquery');
  b.string('run_id', 'r1');
  assert.equal(b.string('run_id', 'r1'), '@run_id');
  assert.throws(() => b.string('run_id', 'r2'), /run_id bound twice/);
  assert.throws(() => b.string('x; DROP', 'v'), /not a parameter name/);
  assert.deepEqual(
    mergeParams([
      { sql: 'a', params: { run_id: { type: 'STRING', value: 'r1' } } },
      { sql: 'b' },
      { sql: 'c', params: { run_id: { type: 'STRING', value: 'r1' } } },
    ]),
    { run_id: { type: 'STRING', value: 'r1' } },
  );
  assert.throws(
    () =>
      mergeParams([
        { sql: 'a', params: { d: { type: 'DATE', value: '2026-11-20' } } },
        { sql: 'b', params: { d: { type: 'DATE', value: '2026-11-21' } } },
      ]),
    /parameter d bound to different values/,
  );
  assert.equal(mergeParams([{ sql: 'a' }]), undefined);
});

test('timestamps and dates are checked when bound; naive UTC text converts without the local time zone', () => {
  const b = new Bindings('duckdb');
  assert.throws(() => b.timestamp('t', "2026-11-20 00:00:00' OR TRUE"), RangeError);
  assert.throws(() => b.timestamp('t', '2026-11-20T00:00:00Z'), RangeError);
  assert.throws(() => b.date('d', '2026-11-20 00:00:00'), RangeError);
  assert.throws(() => b.int('n', 1.5), RangeError);
  assert.equal(naiveUtcMicros('1970-01-01 00:00:01.5'), 1_500_000n);
  assert.equal(naiveUtcMicros('2026-11-20 01:02:03.456789'), BigInt(Date.UTC(2026, 10, 20, 1, 2, 3)) * 1000n + 456_789n);
  assert.equal(naiveUtcRfc3339('2026-11-20 01:02:03.4'), '2026-11-20T01:02:03.400000Z');
});

test('the timestamp literals left in model SQL (run variables) take only a timestamp', () => {
  assert.equal(timestampLiteral('2026-11-20 01:02:03.456789'), "TIMESTAMP '2026-11-20 01:02:03.456789'");
  assert.throws(() => timestampLiteral("2026-11-20 00:00:00' OR TRUE --"), RangeError);
});
