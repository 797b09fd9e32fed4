import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { dateTimeFormat, isPlainUtcDateTime } from '../../common/contract/date-time-format.ts';
import { sfc32Randomizer } from '../../generator/randomizer.ts';

const library = (fullFormats['date-time'] as { validate: (value: string) => boolean }).validate;
const ours = dateTimeFormat.validate as (value: string) => boolean;

const EDGES = [
  '2026-11-20T00:01:07Z', '2026-11-20t00:01:07z', '2026-11-20T00:01:07.5Z', '2026-11-20T00:01:07.123456789Z',
  '2026-11-20T00:01:07.1234567890Z', '2026-11-20T00:01:07.Z', '2026-11-20T00:01:07', '2026-11-20T00:01:07+05:30',
  '2026-11-20T00:01:07-0530', '2026-11-20T00:01:07+05', '2026-11-20 00:01:07Z', '2026-11-20\u00a000:01:07Z',
  '2024-02-29T12:00:00Z', '2026-02-29T12:00:00Z', '1900-02-29T12:00:00Z', '2000-02-29T12:00:00Z', '0000-02-29T12:00:00Z',
  '2026-04-31T00:00:00Z', '2026-00-10T00:00:00Z', '2026-13-10T00:00:00Z', '2026-11-00T00:00:00Z', '2026-11-32T00:00:00Z',
  '2026-12-31T23:59:60Z', '2026-12-31T23:59:60.5Z', '2026-12-31T22:59:60Z', '2026-12-31T18:29:60-05:30',
  '2026-11-20T24:00:00Z', '2026-11-20T23:60:00Z', '2026-11-20T10:00:59.99999999999999999Z', '+2026-11-20T00:01:07Z',
  '2026-11-20T00:01:07ZZ', '2026-11-20TT00:01:07Z', '２026-11-20T00:01:07Z', '', 'Z', '2026-1-20T00:01:07Z',
];

describe('date-time: the verdicts are ajv-formats\' own', () => {
  test('edge cases: leap years and seconds, fractions, offsets, separators, ranges', () => {
    for (const value of EDGES) assert.equal(ours(value), library(value), JSON.stringify(value));
  });

  test('50,000 seeded mutations of a plain UTC timestamp', () => {
    // Seeded, so a failure names a reproducible case.
    const randomizer = sfc32Randomizer(42);
    const next = () => randomizer.next();
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const chars = [...'0123456789', '-', ':', '.', '+', 'T', 't', 'Z', 'z', ' ', '\u00a0', 'x', '9'];
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    let plain = 0;
    for (let i = 0; i < 50_000; i++) {
      const fraction = next() < 0.3 ? `.${'7'.repeat(1 + Math.floor(next() * 11))}` : '';
      let value = `${pad(pick([0, 1900, 2000, 2024, 2026, 2100, 9999]), 4)}-${pad(Math.floor(next() * 14))}-${pad(Math.floor(next() * 33))}`
        + `${pick(['T', 't', ' '])}${pad(Math.floor(next() * 25))}:${pad(Math.floor(next() * 61))}:${pad(Math.floor(next() * 62))}${fraction}${pick(['Z', 'z', '+05:30', '-0100', ''])}`;
      const edits = Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (value.length + 1));
        const kind = next();
        value = kind < 0.4 ? value.slice(0, at) + pick(chars) + value.slice(at + 1) : kind < 0.7 ? value.slice(0, at) + pick(chars) + value.slice(at) : value.slice(0, at) + value.slice(at + 1);
      }
      if (isPlainUtcDateTime(value)) plain += 1;
      assert.equal(ours(value), library(value), JSON.stringify(value));
    }
    // The in-place path answered a good share itself (so it is what was compared).
    assert.ok(plain > 2_000, `only ${plain} plain timestamps`);
  });

  test('what the generator sends takes the in-place path', () => {
    assert.equal(isPlainUtcDateTime('2026-11-20T00:01:07Z'), true);
    assert.equal(isPlainUtcDateTime('2026-11-20T00:01:07.123Z'), true);
  });
});
