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

/** Publishes `count` messages to a new topic on the emulator at `address`; resolves with their ids. */
async function publishSome(address: string, count: number): Promise<string[]> {
  const pubsub = new PubSub({ apiEndpoint: address, emulatorMode: true, projectId: 'orderflow-cli' });
  try {
    const [topic] = await pubsub.createTopic(uniqueId('topic'));
    return await Promise.all(Array.from({ length: count }, (_, i) => topic.publishMessage({ data: Buffer.from(`m${i}`) })));
  } finally {
    await pubsub.close();
  }
}

async function stopCommand(child: ReturnType<typeof spawn>) {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

test('orderflow emulator processes, side by side or one after another, never reuse message ids', async () => {
  // Several local runs feed one warehouse, whose dead letters are keyed by message_id: ids
  // numbered from 1 in every process collided there.
  const first = await startCommand(['--emulator-port', '0']);
  const second = await startCommand(['--emulator-port', '0']);
  let firstIds: string[];
  let secondIds: string[];
  try {
    firstIds = await publishSome(first.address, 3);
    secondIds = await publishSome(second.address, 3);
    firstIds.push(...(await publishSome(first.address, 3)));
  } finally {
    await Promise.all([stopCommand(first.child), stopCommand(second.child)]);
  }
  const restarted = await startCommand(['--emulator-port', '0']);
  let restartedIds: string[];
  try {
    restartedIds = await publishSome(restarted.address, 3);
  } finally {
    await stopCommand(restarted.child);
  }
  const all = [...firstIds, ...secondIds, ...restartedIds];
  for (const id of all) assert.match(id, /^\d+$/, "decimal, as the service's ids");
  assert.equal(new Set(all).size, all.length, `ids collide: ${all.join(' ')}`);
  const latest = (ids: string[]) => ids.map(BigInt).reduce((a, b) => (a > b ? a : b));
  const earliest = (ids: string[]) => ids.map(BigInt).reduce((a, b) => (a < b ? a : b));
  assert.ok(earliest(restartedIds) > latest([...firstIds, ...secondIds]), 'a later run numbers above the earlier ones');
});

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
