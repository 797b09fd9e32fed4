import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFilter } from '../../local/emulator/filter.ts';

const matches = (filter: string, attributes: Record<string, string>) => parseFilter(filter)(attributes);

test('equality, inequality and presence of attributes', () => {
  assert.equal(matches('attributes.kind = "order"', { kind: 'order' }), true);
  assert.equal(matches('attributes.kind = "order"', { kind: 'refund' }), false);
  assert.equal(matches('attributes.kind = "order"', {}), false);
  assert.equal(matches('attributes.kind != "order"', { kind: 'refund' }), true);
  assert.equal(matches('attributes.kind != "order"', {}), true, '!= holds without the attribute');
  assert.equal(matches('attributes:kind', { kind: '' }), true);
  assert.equal(matches('attributes:kind', { other: 'x' }), false);
  assert.equal(matches('attributes."event-type" = "a \\"b\\""', { 'event-type': 'a "b"' }), true);
});

test('hasPrefix, NOT, -, AND, OR and parentheses', () => {
  assert.equal(matches('hasPrefix(attributes.region, "eu-")', { region: 'eu-west1' }), true);
  assert.equal(matches('hasPrefix(attributes.region, "eu-")', { region: 'us-east1' }), false);
  assert.equal(matches('hasPrefix(attributes.region, "eu-")', {}), false);
  assert.equal(matches('NOT attributes:test', { test: '1' }), false);
  assert.equal(matches('-attributes:test', {}), true);
  const both = 'attributes.kind = "order" AND NOT attributes:test';
  assert.equal(matches(both, { kind: 'order' }), true);
  assert.equal(matches(both, { kind: 'order', test: '1' }), false);
  const either = 'attributes.kind = "order" OR attributes.kind = "refund"';
  assert.equal(matches(either, { kind: 'refund' }), true);
  assert.equal(matches(either, { kind: 'other' }), false);
  const grouped = '(attributes.a = "1" OR attributes.b = "2") AND NOT (attributes.c = "3")';
  assert.equal(matches(grouped, { b: '2' }), true);
  assert.equal(matches(grouped, { b: '2', c: '3' }), false);
});

test('malformed filters are INVALID_ARGUMENT with the position', () => {
  for (const bad of [
    '',
    'attributes.kind = ',
    'attributes.kind == "x"',
    'kind = "x"',
    'attributes.a = "1" AND attributes.b = "2" OR attributes.c = "3"',
    '(attributes:a',
    'attributes.a = "unterminated',
    'hasPrefix(attributes.a)',
    `attributes.a = "${'x'.repeat(300)}"`,
  ]) {
    assert.throws(
      () => parseFilter(bad),
      (error: { code?: number; message?: string }) => error.code === 3 && /Invalid filter/.test(error.message ?? ''),
      bad,
    );
  }
});
