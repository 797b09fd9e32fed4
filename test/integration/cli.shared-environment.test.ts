import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { CLI_ARGS, runCli } from '../helpers/cli.ts';

// Issue 22.6: one environment for every command. ORDERFLOW_DUPLICATE_RATE (the generator's
// republished share) turned on the emulator's fault injection; ORDERFLOW_PORT and ORDERFLOW_SEED
// were read by emulator and worker/generator alike.
test("the generator's and worker's variables do not configure the emulator", { timeout: 60_000 }, async () => {
  const env = { ...process.env, ORDERFLOW_DUPLICATE_RATE: '0.5', ORDERFLOW_SEED: '9', ORDERFLOW_PORT: '1', ORDERFLOW_EMULATOR_PORT: '0' };
  const child = spawn(process.execPath, [...CLI_ARGS, 'emulator'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    assert.match(first.toString(), /^PUBSUB_EMULATOR_HOST=127\.0\.0\.1:(?!1\n)\d+\n/);
    const listening = JSON.parse(stderr.split('\n').find((l) => l.includes('Pub/Sub emulator listening'))!) as { faults: Record<string, number> };
    assert.equal(listening.faults.duplicateRate, 0);
    assert.equal(listening.faults.seed, 1);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'close');
  }
});

test('the emulator names its own flags: --emulator-port and --fault-*', async () => {
  const help = (await runCli(['emulator', '--help'])).stdout.toString();
  for (const flag of ['--emulator-port', '--fault-duplicate-rate', '--fault-delay-ms', '--fault-delay-rate', '--fault-drop-stream-every', '--fault-seed'])
    assert.ok(help.includes(flag), flag);
  for (const shared of [/--port\b/, /--duplicate-rate/, /--seed/])
    assert.doesNotMatch(help.replaceAll('--emulator-port', '').replaceAll('--fault-', ''), shared);
});
