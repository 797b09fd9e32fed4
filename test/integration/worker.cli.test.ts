import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('orderflow worker and setup commands', () => {
  let emulator: RunningEmulator;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    dir = tempDir('cli');
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('--help documents every flag of both commands', async () => {
    const worker = await runCli(['worker', '--help']);
    assert.equal(worker.code, 0);
    for (const flag of [
      '--subscription',
      '--mode',
      '--sink',
      '--database',
      '--max-messages',
      '--max-bytes',
      '--batch-max-rows',
      '--batch-max-bytes',
      '--batch-max-age-ms',
      '--dedupe-cache-size',
      '--duckdb-hold-ms',
      '--duckdb-memory-limit',
      '--port',
      '--push-audience',
      '--push-service-account',
      '--startup-wait',
      '--stats-interval',
      '--drain-timeout-ms',
    ]) {
      assert.ok(worker.stdout.toString().includes(flag), `worker --help lists ${flag}`);
    }
    const setup = await runCli(['setup', '--help']);
    assert.equal(setup.code, 0);
    for (const flag of ['--engine', '--topic', '--subscription', '--dead-letter-topic', '--max-delivery-attempts', '--min-backoff', '--max-backoff']) {
      assert.ok(setup.stdout.toString().includes(flag), `setup --help lists ${flag}`);
    }
  });

  test('bad flags and environment values fail with one line', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['worker', '--max-messages', '0'], {}, /--max-messages must be a positive whole number/],
      [['worker', '--push-audience', 'https://x'], {}, /--push-audience only applies with --mode push/],
      [['worker', '--mode', 'push', '--push-audience', 'https://x'], {}, /--push-audience and --push-service-account go together/],
      [
        ['worker', '--mode', 'push'],
        { ORDERFLOW_PUSH_SERVICE_ACCOUNT: 'push@p.iam.gserviceaccount.com' },
        /--push-audience and --push-service-account go together/,
      ],
      [['worker', '--startup-wait', 'soon'], {}, /--startup-wait must be/],
      [['worker'], { ORDERFLOW_MODE: 'poll' }, /mode/],
      [['worker', '--duckdb-memory-limit', 'lots'], {}, /--duckdb-memory-limit must be a size such as 64MB or 1GB, got lots/],
      [['worker'], { ORDERFLOW_DUCKDB_MEMORY_LIMIT: "32MB'; DROP TABLE raw.orders; --" }, /--duckdb-memory-limit must be a size/],
      [['setup', '--max-delivery-attempts', '3'], {}, /--max-delivery-attempts must be from 5 to 100/],
      [['snapshot', '--dims', ''], {}, /^orderflow: --dims needs a value \(it is empty\)/],
      [['bi', 'lookml'], { ORDERFLOW_OUT_DIR: '' }, /^orderflow: --out-dir needs a value \(it is empty in ORDERFLOW_OUT_DIR\)/],
      [['snapshot', '--dims', 'a', '--dims', 'b'], {}, /^orderflow: --dims is given more than once/],
      [['setup', '--topic', 't2'], {}, /^orderflow: --topic t2 is not a Pub\/Sub name: 3-255 letters/],
      [['worker', '--subscription', 'goog-sub'], {}, /^orderflow: --subscription goog-sub is not a Pub\/Sub name/],
      [['setup', '--ack-deadline', '5'], {}, /--ack-deadline must be from 10 to 600 seconds, got 5/],
      [['validate', '-'], { ORDERFLOW_STRICT: 'maybe' }, /^orderflow: ORDERFLOW_STRICT must be true or false, got maybe/],
      [['up'], { ORDERFLOW_KEEP_RUNNING: '1' }, /^orderflow: ORDERFLOW_KEEP_RUNNING must be true or false, got 1/],
      [['generate', '--count', '1'], { ORDERFLOW_LOG_LEVEL: 'loud' }, /^orderflow: ORDERFLOW_LOG_LEVEL must be one of trace, .*, got loud/],
      [['status', '--worker', 'notaurl'], {}, /--worker must be a URL such as http:\/\/127.0.0.1:8080, got notaurl/],
      [['generate', '--count', '3', '--start-time', '1999-01-01T00:00:00Z'], {}, /--start-time 1999-01-01T00:00:00.000Z is before 2000-01-01/],
    ];
    for (const [args, env, pattern] of cases) {
      const result = await runCli(args, { env });
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    }
  });

  test('--sink bigquery checks its tables at start-up: unusable credentials are one clear line, exit 1', async () => {
    const env = { PUBSUB_EMULATOR_HOST: emulator.address, GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'no-such-key.json'), METADATA_SERVER_DETECTION: 'none' };
    const result = await runCli(['worker', '--sink', 'bigquery', '--project', 'my-project-1', '--port', '0'], { env });
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.match(lines.at(-1)!, /^orderflow: BigQuery sink cannot write raw\.orders .*no-such-key\.json does not exist/);
  });

  test('setup creates the topic, the subscription with its dead-letter and retry policies, the tables and views; a second run changes nothing', async () => {
    const database = join(dir, 'w.duckdb');
    const env = { PUBSUB_EMULATOR_HOST: emulator.address };
    const first = await runCli(['setup', '--project', 'cli-test', '--database', database], { env });
    assert.equal(first.code, 0, first.stderr);
    const subscription = emulator.broker.getSubscription('projects/cli-test/subscriptions/orders-worker').resource;
    assert.equal(subscription.topic, 'projects/cli-test/topics/orders');
    assert.equal(subscription.deadLetterPolicy?.deadLetterTopic, 'projects/cli-test/topics/orders-dead-letter');
    assert.equal(subscription.deadLetterPolicy?.maxDeliveryAttempts, 10);
    assert.ok(subscription.retryPolicy?.minimumBackoff);
    const objects = await withDuckDBFile(database, async (c) =>
      (await c.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1`)).getRows().map((r) => String(r[0])),
    );
    assert.deepEqual(objects, [
      'dead_letter',
      'dead_letter_replays',
      'order_items',
      'order_items_current',
      'order_payments',
      'order_payments_current',
      'orders',
      'orders_current',
    ]);
    const second = await runCli(['setup', '--project', 'cli-test', '--database', database], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /"existing":\["topic orders","topic orders-dead-letter","subscription orders-dead-letter","subscription orders-worker"\]/);
  });

  test('the worker refuses to start on a missing subscription with one line', async () => {
    // A warehouse exists (only setup makes one), so the subscription is what is missing.
    const database = join(dir, 'x.duckdb');
    assert.equal((await runCli(['setup', '--no-pubsub', '--database', database])).code, 0);
    const result = await runCli(['worker', '--project', 'cli-test', '--subscription', 'nope', '--database', database, '--port', '0'], {
      env: { PUBSUB_EMULATOR_HOST: emulator.address },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^orderflow: subscription nope does not exist in project cli-test \(run orderflow setup\)$/m);
  });
});
