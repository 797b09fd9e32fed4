import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { PubSub } from '@google-cloud/pubsub';
import { startEmulator } from '../../local/emulator/index.ts';
import { CLI_ARGS, runCli } from '../helpers/cli.ts';
import { uniqueId } from '../helpers/pubsub-targets.ts';

/** Starts `orderflow emulator` and resolves with its address once it says where it listens. */
async function startCommand(args: string[]) {
  const child = spawn(process.execPath, [...CLI_ARGS, 'emulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /PUBSUB_EMULATOR_HOST=(\S+)/.exec(stdout);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, address, stderr: () => stderr };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`orderflow emulator serves the official client and exits 0 on ${signal}`, async () => {
    const { child, address, stderr } = await startCommand(['--emulator-port', '0']);
    // The way users point clients at it: the environment variable, not an option.
    process.env.PUBSUB_EMULATOR_HOST = address;
    const pubsub = new PubSub({ projectId: 'orderflow-cli' });
    delete process.env.PUBSUB_EMULATOR_HOST;
    try {
      const [topic] = await pubsub.createTopic(uniqueId('topic'));
      assert.match(await topic.publishMessage({ data: Buffer.from('x') }), /^\d+$/);
    } finally {
      await pubsub.close();
    }
    child.kill(signal);
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr());
    const logs = stderr()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { severity: string; message: string });
    assert.deepEqual(
      logs.map((entry) => entry.message),
      ['Pub/Sub emulator listening', 'Pub/Sub emulator shutting down', 'Pub/Sub emulator stopped'],
    );
  });
}

test('orderflow emulator on a taken port prints one line and exits 1', async () => {
  const holder = await startEmulator();
  try {
    const result = await runCli(['emulator', '--emulator-port', String(holder.port)]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), `orderflow: port ${holder.port} on 127.0.0.1 is already in use`);
  } finally {
    await holder.close();
  }
});

test('orderflow emulator rejects a bad port or fault rate with exit 2', async () => {
  const badPort = await runCli(['emulator', '--emulator-port', '70000']);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /^orderflow: --emulator-port must be an integer from 0 to 65535/);
  const badRate = await runCli(['emulator', '--emulator-port', '0', '--fault-duplicate-rate', '1.5']);
  assert.equal(badRate.code, 2);
  assert.match(badRate.stderr, /^orderflow: --fault-duplicate-rate must be between 0 and 1/);
});

test('orderflow emulator takes its flags from ORDERFLOW_* variables', async () => {
  const result = await runCli(['emulator'], { env: { ORDERFLOW_EMULATOR_PORT: 'not-a-port' } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--emulator-port must be an integer/);
});
