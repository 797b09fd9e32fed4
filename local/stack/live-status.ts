import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What `orderflow up` reports about the stream while it runs, for the dashboard's live rates. */
export interface LiveStatus {
  /** When these counts were taken (ISO 8601). */
  at: string;
  published: number;
  acked: number;
  inFlight: number;
}

/** The file beside the warehouse (the data directory) that `up` rewrites every half second while it generates. */
export const liveStatusPath = (dataDir: string) => join(dataDir, 'up-live.json');

export async function writeLiveStatus(dataDir: string, status: LiveStatus): Promise<void> {
  await writeFile(liveStatusPath(dataDir), `${JSON.stringify(status)}\n`);
}

/** When up ends: the dashboard shows no live rates without a fresh status, so nothing reads it afterwards. */
export async function removeLiveStatus(dataDir: string): Promise<void> {
  await rm(liveStatusPath(dataDir), { force: true });
}

/** The latest status, or null when `up` never wrote one (or is writing it right now). */
export async function readLiveStatus(dataDir: string): Promise<LiveStatus | null> {
  try {
    return JSON.parse(await readFile(liveStatusPath(dataDir), 'utf8')) as LiveStatus;
  } catch {
    return null;
  }
}
