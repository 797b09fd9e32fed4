import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationalError } from '../../common/errors.ts';
import { explainFailure } from './child-failure.ts';

/** The worker counters `up` sums, from each worker's GET /stats (WorkerStats.snapshot()). */
export interface WorkerCounters {
  acked: number;
  deadLettered: number;
  duplicatesDropped: number;
  received: number;
}

export const ZERO_COUNTERS: WorkerCounters = { acked: 0, deadLettered: 0, duplicatesDropped: 0, received: 0 };

/** One worker's /stats, parsed; throws when it does not answer within `timeoutMs`. */
export async function fetchWorkerStats(url: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/stats`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url}/stats answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

export function countersOf(stats: Record<string, unknown>): WorkerCounters {
  return {
    acked: Number(stats['settle.acked'] ?? 0),
    deadLettered: Number(stats['settle.dead_lettered'] ?? 0),
    duplicatesDropped: Number(stats['dedupe.duplicates_dropped'] ?? 0),
    received: Number(stats['source.received'] ?? 0),
  };
}

export const sumCounters = (all: readonly WorkerCounters[]): WorkerCounters => ({
  acked: all.reduce((s, c) => s + c.acked, 0),
  deadLettered: all.reduce((s, c) => s + c.deadLettered, 0),
  duplicatesDropped: all.reduce((s, c) => s + c.duplicatesDropped, 0),
  received: all.reduce((s, c) => s + c.received, 0),
});

/** A worker process `up` started, as workerUrl sees it. */
export interface StartingWorker {
  /** Its name in messages: worker-1, worker-2, ... */
  name: string;
  logFile: string;
  /** Where this process's lines begin in the log (earlier runs' lines come before). */
  logOffset: number;
  /** The process's exit code or signal once it ended, else undefined. */
  exited(): number | string | undefined;
}

/**
 * The URL of a started worker: its port is in its `worker started` log line, written once it is
 * ready to take messages (pull: subscribed; push: taking requests); read once at start-up, from
 * then on the worker is asked over HTTP. Rejects with one line naming the worker and its log when
 * it exits first or has not started within `timeoutMs`.
 */
export async function workerUrl(worker: StartingWorker, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = (await readFile(worker.logFile).catch(() => Buffer.alloc(0))).subarray(worker.logOffset).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.includes('"worker started"')) continue;
      const { port } = JSON.parse(line) as { port: number };
      return `http://127.0.0.1:${port}`;
    }
    const exited = worker.exited();
    if (exited !== undefined)
      throw new OperationalError(await explainFailure(`${worker.name} exited (${exited}) before it started`, worker.logFile, worker.logOffset));
    if (Date.now() > deadline) throw new OperationalError(`${worker.name} did not start within ${timeoutMs / 1000} s; see ${worker.logFile}`);
    await sleep(100);
  }
}
