import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { SNAPSHOT_FILES } from '../../common/dims-files.ts';
import { REASON_CODES } from '../../common/contract/reasons.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const FIXED = ['--seed', '7', '--start-time', '2026-11-20T00:00:00Z'];
const lines = (buffer: Buffer) => buffer.toString('utf8').split('\n').filter(Boolean);

describe('orderflow generate | orderflow validate', () => {
  test('1000 events of seed 7 are all valid, one verdict per line, summary on stderr', async () => {
    const generated = await runCli(['generate', '--count', '1000', ...FIXED, '--out', 'stdout']);
    assert.equal(generated.code, 0, generated.stderr);
    const validated = await runCli(['validate', '-'], { stdin: generated.stdout });
    assert.equal(validated.code, 0);
    const verdicts = lines(validated.stdout).map((l) => JSON.parse(l));
    assert.equal(verdicts.length, 1000);
    assert.deepEqual(
      verdicts.map((v) => v.line),
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    assert.ok(verdicts.every((v) => v.valid === true && Array.isArray(v.flags)));
    assert.match(validated.stderr, /^validated 1000 lines: 1000 valid .*0 invalid\n$/);
  });

  test('with --invalid-rate 0.1 about 10% are invalid, each with its reason and errors', async () => {
    const generated = await runCli(['generate', '--count', '1000', ...FIXED, '--invalid-rate', '0.1']);
    const validated = await runCli(['validate'], { stdin: generated.stdout });
    const invalid = lines(validated.stdout)
      .map((l) => JSON.parse(l))
      .filter((v) => !v.valid);
    assert.ok(invalid.length >= 70 && invalid.length <= 130, `invalid ${invalid.length}`);
    for (const verdict of invalid) {
      assert.match(verdict.error_code, /^(not_utf8|not_json|not_object|schema|rule:[a-z_]+)$/);
      assert.ok(verdict.errors.length > 0 && verdict.errors.every((e: { path: string; message: string }) => typeof e.path === 'string' && e.message));
    }
    // Every reason code of the contract (4 kinds of unreadable or schema failures, 2 rules).
    assert.deepEqual(new Set(invalid.map((v) => v.error_code)), new Set(REASON_CODES), 'every reason');
    assert.match(validated.stderr, new RegExp(`${1000 - invalid.length} valid.*, ${invalid.length} invalid \\(`));
  });

  test('stdout, a file and a throttled run give the same bytes', async () => {
    const dir = tempDir('gen');
    const file = join(dir, 'events.ndjson');
    const mix = ['--count', '300', ...FIXED, '--duplicate-rate', '0.1', '--invalid-rate', '0.1', '--update-rate', '0.3'];
    const [plain, toFile, throttled] = await Promise.all([
      runCli(['generate', ...mix]),
      runCli(['generate', ...mix, '--out', file]),
      runCli(['generate', ...mix, '--rate', '1500']),
    ]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.ok(plain.stdout.length > 0);
    assert.ok(plain.stdout.equals(await readFile(file)), 'file differs from stdout');
    assert.ok(plain.stdout.equals(throttled.stdout), 'throttled run differs');
  });

  test('ORDERFLOW_* environment variables stand in for flags; ones for other commands are ignored', async () => {
    const env = { ORDERFLOW_COUNT: '5', ORDERFLOW_SEED: '7', ORDERFLOW_START_TIME: '2026-11-20T00:00:00Z', ORDERFLOW_SUBSCRIPTION: 'for-the-worker' };
    const [fromEnv, fromFlags] = await Promise.all([runCli(['generate'], { env }), runCli(['generate', '--count', '5', ...FIXED])]);
    assert.equal(lines(fromEnv.stdout).length, 5);
    assert.ok(fromEnv.stdout.equals(fromFlags.stdout));
  });

  test('validate keeps line numbers for blank and non-UTF-8 lines', async () => {
    const input = Buffer.concat([Buffer.from('{"a":1}\n\n'), Buffer.from([0xff, 0x0a]), Buffer.from('[1]\r\n')]);
    const result = await runCli(['validate'], { stdin: input });
    assert.deepEqual(
      lines(result.stdout).map((l) => {
        const v = JSON.parse(l);
        return [v.line, v.error_code];
      }),
      [
        [1, 'schema'],
        [2, 'not_json'],
        [3, 'not_utf8'],
        [4, 'not_object'],
      ],
    );
  });
});

describe('bad input: one clear line, non-zero exit, no stack trace', () => {
  const cases: [string[], number, RegExp][] = [
    [['generate', '--invalid-rate', '2'], 2, /--invalid-rate must be a number from 0 to 1/],
    [['generate', '--start-time', 'yesterday'], 2, /--start-time must be an RFC 3339 time/],
    [['generate', '--count', '0'], 2, /--count must be a positive whole number/],
    [['generate', '--duplicate-rate', '0.6', '--update-rate', '0.6'], 2, /must not exceed 1/],
    [['generate', '--bogus'], 2, /Unknown argument: bogus/],
    [['generate', '--rate', 'fast'], 2, /--rate must be a positive number/],
    [['snapshot', '--out', './dims'], 2, /Unknown argument: out/],
    [['snapshot', '--dims', 'gs://'], 2, /not a GCS location/],
    [['validate', '/no/such/file.ndjson'], 1, /cannot read \/no\/such\/file.ndjson: ENOENT/],
    [['validate', '/'], 1, /^orderflow: cannot read \/: a directory, not a file$/m],
    [['nonsense'], 2, /Unknown command: nonsense/],
    [['validate', '-x'], 2, /Unknown argument: x/],
  ];
  for (const [args, code, message] of cases) {
    test(args.join(' '), async () => {
      const result = await runCli(args);
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
  }
  test('a bad value from the environment is reported like a bad flag', async () => {
    const result = await runCli(['generate', '--count', '1'], { env: { ORDERFLOW_RATE: 'fast' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^orderflow: --rate must be a positive number, got fast/);
  });
  test('--help works on every command', async () => {
    for (const command of ['generate', 'validate', 'snapshot', 'up']) {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout.toString(), new RegExp(`orderflow ${command}`));
    }
  });
});

describe('orderflow snapshot', () => {
  test('writes the four Olist CSVs, in Olist column order, consistent with the stream of the same seed', async () => {
    const dir = tempDir('dims');
    const sizes = ['--customers', '300', '--products', '200', '--sellers', '40'];
    const result = await runCli(['snapshot', '--dims', dir, '--seed', '7', ...sizes]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      (await readdir(dir)).sort(),
      Object.values(SNAPSHOT_FILES)
        .map((f) => f.file)
        .sort(),
    );
    const read = async (table: keyof typeof SNAPSHOT_FILES) => {
      const text = await readFile(join(dir, SNAPSHOT_FILES[table].file), 'utf8');
      assert.equal(text.split('\n')[0], SNAPSHOT_FILES[table].columns.join(','));
      return parse(text, { columns: true }) as Record<string, string>[];
    };
    const [customers, products, sellers, categories] = await Promise.all([read('customers'), read('products'), read('sellers'), read('categories')]);
    assert.deepEqual([customers.length, products.length, sellers.length], [300, 200, 40]);
    assert.ok(categories.length >= 70);
    assert.ok(
      customers.every((c) => /^\d{5}$/.test(c.customer_zip_code_prefix!)),
      'zip prefixes keep leading zeros',
    );

    const events = await runCli(['generate', '--count', '200', ...FIXED, ...sizes]);
    const ids = (rows: Record<string, string>[], key: string) => new Set(rows.map((r) => r[key]));
    const [customerIds, productIds, sellerIds] = [ids(customers, 'customer_id'), ids(products, 'product_id'), ids(sellers, 'seller_id')];
    for (const line of lines(events.stdout)) {
      const event = JSON.parse(line);
      assert.ok(customerIds.has(event.order.customer_id), 'customer not in snapshot');
      for (const item of event.items) assert.ok(productIds.has(item.product_id) && sellerIds.has(item.seller_id), 'product or seller not in snapshot');
    }
  });
});
