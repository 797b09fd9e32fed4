import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { OperationalError } from '../../common/errors.ts';

/** `<data-dir>/up.lock` while an `orderflow up` runs there: its pid and when it started. */
export const lockFilePath = (dataDir: string) => join(dataDir, 'up.lock');

interface LockHolder {
  pid: number;
  /** ISO 8601. */
  startedAt: string;
}

export interface DataDirLock {
  /** Removes the lock file if it is still this process's; synchronous, so an `exit` handler can call it. */
  release(): void;
}

/**
 * One `orderflow up` per data directory: creates `up.lock` (pid, start time) atomically, or fails
 * with one line naming the directory and the running pid. A lock whose process is gone (killed, crashed)
 * or started before this machine last booted is stale and taken over. Single machine only: the pid is
 * checked with `process.kill(pid, 0)`. `dataDir` must exist.
 * @throws OperationalError when another live `up` holds the directory.
 */
export function lockDataDir(dataDir: string, now: () => number = Date.now): DataDirLock {
  const path = lockFilePath(dataDir);
  const mine: LockHolder = { pid: process.pid, startedAt: new Date(now()).toISOString() };
  // Written whole beside the lock, then linked into place: link fails if the lock exists, and a
  // reader never sees a half-written lock (as it could with open('wx') then write).
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, `${JSON.stringify(mine)}\n`);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        linkSync(draft, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(path);
      if (attempt > 1 || (holder && isRunning(holder, now))) {
        throw new OperationalError(`another orderflow up (pid ${holder?.pid ?? 'unknown'}) is running in ${dataDir}; stop it first`);
      }
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(draft, { force: true });
  }
  return {
    release: () => {
      if (readHolder(path)?.pid === mine.pid) rmSync(path, { force: true });
    },
  };
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** Whether the lock's process still runs: pids are reused after a reboot, so an older lock is stale whatever its pid. */
function isRunning(holder: LockHolder, now: () => number): boolean {
  if (holder.pid === process.pid || Date.parse(holder.startedAt) < now() - uptime() * 1000) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
