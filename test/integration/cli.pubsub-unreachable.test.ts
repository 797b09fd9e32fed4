import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { CLI_ARGS, runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { PubSub } from '@google-cloud/pubsub';

/** A local port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const oneLine = (stderr: string) => {
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('orderflow:'));
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0]!;
};

// Issue 22.4: each command that talks to Pub/Sub says what it tried and what to do, one line, exit 1.
describe('Pub/Sub not reachable', () => {
  const dir = tempDir('unreachable');
  const database = join(dir, 'warehouse.duckdb');
  before(async () => {
    assert.equal((await runCli(['setup', '--no-pubsub', '--database', database])).code, 0);
  });

  const commands: [string, string[]][] = [
    ['worker', ['worker', '--database', database]],
    ['generate', ['generate', '--out', 'pubsub', '--count', '3000']],
    ['setup', ['setup', '--pubsub', '--database', database]],
  ];

  for (const [name, args] of commands) {
    test(`${name}: a wrong emulator address`, async () => {
      const host = `127.0.0.1:${await closedPort()}`;
      const result = await runCli(args, { env: { PUBSUB_EMULATOR_HOST: host } });
      assert.equal(result.code, 1, result.stderr);
      const line = oneLine(result.stderr);
      assert.match(line, new RegExp(`the Pub/Sub emulator at ${host} \\(PUBSUB_EMULATOR_HOST\\)`));
      assert.match(line, /start one \(orderflow emulator --emulator-port 8085\) or fix PUBSUB_EMULATOR_HOST$/);
    });

    test(`${name}: no emulator and no credentials`, async () => {
      const env = {
        PUBSUB_EMULATOR_HOST: '',
        GOOGLE_APPLICATION_CREDENTIALS: '',
        HOME: dir,
        CLOUDSDK_CONFIG: dir,
        METADATA_SERVER_DETECTION: 'none',
        GOOGLE_CLOUD_PROJECT: 'some-project',
      };
      const result = await runCli([...args, '--project', 'some-project'], { env });
      assert.equal(result.code, 1, result.stderr);
      const line = oneLine(result.stderr);
      assert.match(line, /Pub\/Sub in project some-project/);
      assert.match(line, /export PUBSUB_EMULATOR_HOST=127\.0\.0\.1:8085; for Google Cloud: gcloud auth application-default login$/);
    });
  }

  test('setup with Pub/Sub unreachable creates no warehouse file either', async () => {
    const fresh = join(dir, 'fresh', 'warehouse.duckdb');
    const result = await runCli(['setup', '--pubsub', '--database', fresh], { env: { PUBSUB_EMULATOR_HOST: `127.0.0.1:${await closedPort()}` } });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(existsSync(join(dir, 'fresh')), false, 'no directory, no file');
  });

  test('generate stops soon after SIGTERM when Pub/Sub goes away, counting unsent messages as failed', { timeout: 180_000 }, async () => {
    // An emulator process of its own, so it can vanish as a remote service does (SIGKILL, no goodbye).
    const emulator = spawn(process.execPath, [...CLI_ARGS, 'emulator', '--emulator-port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [first] = (await once(emulator.stdout, 'data')) as [Buffer];
      const host = /PUBSUB_EMULATOR_HOST=(\S+)/.exec(first.toString())![1]!;
      const env = { ...process.env, PUBSUB_EMULATOR_HOST: host, METADATA_SERVER_DETECTION: 'none' };
      assert.equal((await runCli(['setup', '--pubsub', '--project', 'gone', '--database', database], { env })).code, 0);
      const child = spawn(process.execPath, [...CLI_ARGS, 'generate', '--out', 'pubsub', '--project', 'gone', '--rate', '200'], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // The first message arriving on the subscription: the generator is publishing.
      process.env.METADATA_SERVER_DETECTION = 'none';
      const client = new PubSub({ projectId: 'gone', apiEndpoint: host });
      const subscription = client.subscription('orders-worker');
      await once(subscription, 'message');
      await subscription.close();
      await client.close();
      emulator.kill('SIGKILL');
      await once(emulator, 'close');
      child.kill('SIGTERM');
      const [code] = await once(child, 'close');
      assert.equal(code, 1, stderr);
      const finished = stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return {};
          }
        })
        .find((l) => l.message === 'generator finished');
      assert.ok(finished, stderr);
      assert.equal(finished.interrupted, true);
      assert.ok(finished.failed > 0, `failed ${finished.failed}`);
      assert.equal(finished.published + finished.failed, finished.generated);
    } finally {
      emulator.kill('SIGKILL');
    }
  });
});
