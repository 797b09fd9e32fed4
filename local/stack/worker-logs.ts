import { readFile } from 'node:fs/promises';

/** The worker's counters, as it logs them (`worker stats` every interval, `worker stopped` at the end). */
export interface WorkerCounters {
  acked: number;
  deadLettered: number;
  duplicatesDropped: number;
  received: number;
  stopped: boolean;
}

const ZERO: WorkerCounters = { acked: 0, deadLettered: 0, duplicatesDropped: 0, received: 0, stopped: false };

/** The latest counters in a worker's JSON log file; zeros before its first stats line. */
export async function latestCounters(logFile: string): Promise<WorkerCounters> {
  let text: string;
  try {
    text = await readFile(logFile, 'utf8');
  } catch {
    return ZERO;
  }
  const lines = text.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.includes('"worker st')) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.message !== 'worker stats' && entry.message !== 'worker stopped') continue;
      return {
        acked: Number(entry['settle.acked'] ?? 0),
        deadLettered: Number(entry['settle.dead_lettered'] ?? 0),
        duplicatesDropped: Number(entry['dedupe.duplicates_dropped'] ?? 0),
        received: Number(entry['source.received'] ?? 0),
        stopped: entry.message === 'worker stopped',
      };
    } catch {
      // a line being written right now
    }
  }
  return ZERO;
}

export const sumCounters = (all: WorkerCounters[]): WorkerCounters => ({
  acked: all.reduce((s, c) => s + c.acked, 0),
  deadLettered: all.reduce((s, c) => s + c.deadLettered, 0),
  duplicatesDropped: all.reduce((s, c) => s + c.duplicatesDropped, 0),
  received: all.reduce((s, c) => s + c.received, 0),
  stopped: all.every((c) => c.stopped),
});
