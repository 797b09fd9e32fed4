import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationalError } from '../../common/errors.ts';

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

/**
 * The URL of a worker started with `--port 0`: its port is in its first log line (`worker
 * started`), read once at start-up; from then on the worker is asked over HTTP.
 */
export async function workerUrl(logFile: string, exited: () => boolean, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.includes('"worker started"')) continue;
      const { port } = JSON.parse(line) as { port: number };
      return `http://127.0.0.1:${port}`;
    }
    if (exited()) throw new OperationalError(`the worker exited before it started; see ${logFile}`);
    if (Date.now() > deadline) throw new OperationalError(`the worker did not start within ${timeoutMs / 1000} s; see ${logFile}`);
    await sleep(100);
  }
}
