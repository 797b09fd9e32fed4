import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { ORDERFLOW_NODE_ARGS } from '../../common/bin.ts';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process has ended. */
  readonly exited: Promise<number | string>;
  /** Where its stderr (and stdout, unless captured) goes. */
  readonly logFile: string;
  /** The log file's length when this process started: what it writes begins there (logs are appended across runs). */
  readonly logOffset: number;
  /** Text the process wrote on stdout, when it was captured. */
  stdout(): string;
  /** SIGTERM, then SIGKILL after `graceMs` if it is still running. */
  stop(graceMs?: number): Promise<number | string>;
}

const running = new Set<Child>();

/**
 * Runs `orderflow <args>` as a child process with its logs (stderr, and stdout unless captured)
 * appended to `logFile`, so the terminal only shows the stack's own progress and summary.
 */
export function spawnOrderflow(name: string, args: string[], options: { logFile: string; env?: NodeJS.ProcessEnv; captureStdout?: boolean }): Child {
  const log = openSync(options.logFile, 'a');
  const logOffset = fstatSync(log).size;
  const child = spawn(process.execPath, [...ORDERFLOW_NODE_ARGS, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.captureStdout ? 'pipe' : log, log],
    // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and the
    // stack, not the terminal, decides when each child stops (generator, drain, workers, WAP job).
    detached: true,
  });
  closeSync(log); // the child holds its own descriptor
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = once(child, 'close').then(([code, signal]) => (code ?? signal) as number | string);
  const handle: Child = {
    name,
    process: child,
    exited,
    logFile: options.logFile,
    logOffset,
    stdout: () => stdout,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Last resort when the stack itself exits: no child may outlive it. */
export function killAllChildren(): void {
  for (const child of running) child.process.kill('SIGKILL');
}
