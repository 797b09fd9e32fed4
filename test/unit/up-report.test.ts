import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { formatSummary } from '../../local/stack/report.ts';
import type { StackResult } from '../../local/stack/up.ts';

const result = (interrupted: boolean, ingestedEvents: number): StackResult => ({
  interrupted,
  generator: { generated: 100, byKind: { created: 60, updated: 30, duplicate: 5, invalid: 5 }, published: 100, failed: 0 },
  workers: { acked: 80, deadLettered: 5, duplicatesDropped: 2, received: 82 },
  warehouse: {
    ingestedEvents,
    rows: { orders: 1, order_items: 1, order_payments: 1, dead_letter: 5 },
    deadLettered: { schema: 5 },
    deadLetteredMessages: 5,
    mart: {},
  },
  paths: { database: 'd', logs: 'l', dims: 'm', reports: 'r', deadLetters: 'x' },
});

// Issue 22.11: an interrupted up printed a bare MISMATCH, as if rows were lost.
test('an interrupted run says why fewer events were ingested; a finished one still flags a MISMATCH', () => {
  assert.match(formatSummary(result(true, 70), 5), /= 90, short: interrupted, so the messages not yet acked went with the in-memory emulator\)/);
  assert.match(formatSummary(result(false, 70), 5), /= 90, MISMATCH\)/);
  assert.match(formatSummary(result(false, 90), 5), /= 90, matches\)/);
});

test("the guide's validate figure is what validate prints for its example", async () => {
  const guide = await readFile(new URL('../../docs/guide.md', import.meta.url), 'utf8');
  assert.match(guide, /# stderr: validated 1000 lines: 1000 valid \(flagged: payment_mismatch 1\), 0 invalid/);
  assert.doesNotMatch(guide, /snapshot --dims \.\/dims\b/, 'snapshots go where batch run reads them: ./data/dims');
});

// The fresh user's reading: raw rows count this run only, the mart counts every run in the warehouse; say which.
test('the summary says which counts are this run and which are the whole warehouse', () => {
  const warning = { name: 'untranslated_categories', status: 'warn', failingRows: 2 } as const;
  const summary = formatSummary({ ...result(false, 90), batch: { exitCode: 0, checks: [warning] } }, 5);
  assert.match(summary, /: 0 passed, 1 warning, 0 failed/);
  assert.match(summary, /raw rows +orders 1, order_items 1, order_payments 1, dead_letter 5 \(written by this run\)\n/);
  assert.match(summary, /mart +none \(the whole warehouse, every run so far\)\n/);
});

// Found by a new user: a batch job that failed before deciding anything showed only its exit code.
test("a batch job that failed without a summary: the audit line carries the job's own reason and log", () => {
  const failure = 'batch exited 1: the warehouse is locked by another process (log: l/batch.log)';
  const summary = formatSummary({ ...result(false, 90), batch: { exitCode: 1, failure, checks: [] } }, 5);
  assert.match(summary, /\n {2}audit {12}batch exited 1: the warehouse is locked by another process \(log: l\/batch\.log\)\n/);
});
