import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** gcloud's Pub/Sub emulator (Java), run as a child process: the reference the embedded one is compared to. */
export interface GcloudEmulator {
  readonly address: string;
  readonly pid: number;
  close(): Promise<void>;
}

export function gcloudOnPath(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, 'gcloud')));
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `gcloud beta emulators pubsub start` on a free loopback port and resolves once it logs
 * that it listens. It runs in its own process group: gcloud forks Java, and both must go on close().
 */
export async function startGcloudEmulator(options: { timeoutMs?: number } = {}): Promise<GcloudEmulator> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=${address}`, '--quiet'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    signalGroup(child, 'SIGTERM');
    const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  try {
    await waitForListening(child, port, options.timeoutMs ?? 90_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, pid: child.pid as number, close: stop };
}

function waitForListening(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const ready = new RegExp(`Server started, listening on ${port}`);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (ready.test(output)) finish();
    };
    const timer = setTimeout(() => finish(new Error(`not listening after ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null) => finish(new Error(`exited with code ${code}: ${lastLine(output)}`));
    const onError = (error: Error) => finish(error);
    function finish(error?: Error): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining its output so a chatty emulator never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      if (error) reject(error);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function lastLine(output: string): string {
  return output.trim().split('\n').pop() ?? '';
}
