import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calendarDate, instant } from '../../cli/options.ts';
import { UsageError } from '../../common/errors.ts';

// Found by a new user: 2026-02-30 became 2 March, and month 13 gave "Invalid time value".
test('dates and times that do not exist are usage errors naming the flag, not rolled over', () => {
  for (const [parse, text] of [
    [instant('start-time'), '2026-02-30T00:00:00Z'],
    [instant('since'), '2026-13-01'],
    [calendarDate('from'), '2026-13-01'],
    [calendarDate('to'), '2026-02-29'],
  ] as const) {
    assert.throws(
      () => parse(text),
      (error: Error) => error instanceof UsageError && error.message.includes(text) && /^--\w/.test(error.message),
    );
  }
  assert.equal(instant('since')('2024-02-29T12:00:00+02:00'), Date.parse('2024-02-29T10:00:00Z'));
  assert.equal(calendarDate('from')('2024-02-29'), '2024-02-29');
});
