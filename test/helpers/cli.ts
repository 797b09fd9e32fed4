import { spawn } from 'node:child_process';
import { ORDERFLOW_NODE_ARGS } from '../../common/bin.ts';

/** Node.js arguments that run the CLI from its sources: `spawn(process.execPath, [...CLI_ARGS, 'worker', ...])`. */
export const CLI_ARGS = ORDERFLOW_NODE_ARGS;

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `orderflow ...args` as a user would (from its sources through tsx), optionally feeding stdin. */
export function runCli(args: string[], options: { stdin?: Buffer | string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], { env: { ...process.env, ...options.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * Runs `orderflow ...args` and closes its stdout after the first chunk, as `| head -1` does:
 * resolves with the exit code and stderr once the process ends.
 */
export function runCliClosingStdout(args: string[], options: { stdin?: Buffer | string } = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args]);
    const err: Buffer[] = [];
    child.stdout.once('data', () => child.stdout.destroy());
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: Buffer.concat(err).toString('utf8') }));
    // The reader may stop before all of stdin is taken: that EPIPE is the test's, not the CLI's.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
