import { spawn } from 'node:child_process';
import { ORDERFLOW_NODE_ARGS } from '../../common/bin.ts';

export interface EmulatorProcess {
  readonly address: string;
  readonly pid: number;
  close(): Promise<void>;
}

/** Runs `orderflow emulator --emulator-port 0` as a child process, so its memory and CPU are its own. */
export function startEmulatorProcess(): Promise<EmulatorProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...ORDERFLOW_NODE_ARGS, 'emulator', '--host', '127.0.0.1', '--emulator-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('exit', (code) => reject(new Error(`emulator exited with code ${code}: ${stderr.trim()}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /PUBSUB_EMULATOR_HOST=(\S+)/.exec(stdout);
      if (!match) return;
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({
        address: match[1] as string,
        pid: child.pid as number,
        close: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
