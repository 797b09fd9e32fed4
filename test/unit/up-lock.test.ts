import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { test } from 'node:test';
import { lockDataDir, lockFilePath } from '../../local/stack/lock.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The parent of this test process runs as long as it does: a live pid that is not ours.
const LIVE_PID = process.ppid;

test('lockDataDir: one holder at a time; a live holder is named; release frees the directory and leaves no draft', () => {
  const dir = tempDir('up-lock');
  const lock = lockDataDir(dir);
  assert.equal(JSON.parse(readFileSync(lockFilePath(dir), 'utf8')).pid, process.pid);
  assert.deepEqual(readdirSync(dir), ['up.lock']);
  lock.release();
  assert.equal(existsSync(lockFilePath(dir)), false);

  writeFileSync(lockFilePath(dir), JSON.stringify({ pid: LIVE_PID, startedAt: new Date().toISOString() }));
  assert.throws(() => lockDataDir(dir), { message: `another orderflow up (pid ${LIVE_PID}) is running in ${dir}; stop it first` });
  assert.deepEqual(readdirSync(dir), ['up.lock'], 'the refusal leaves the lock as it was and no draft');
  assert.equal(JSON.parse(readFileSync(lockFilePath(dir), 'utf8')).pid, LIVE_PID);
});

test('lockDataDir takes over a stale lock: a pid from before the last boot, or an unreadable file; release leaves a lock taken over by another alone', () => {
  const dir = tempDir('up-lock-stale');
  // The same live pid, but written before this machine booted: pids are reused after a reboot.
  const beforeBoot = new Date(Date.now() - (uptime() + 60) * 1000).toISOString();
  writeFileSync(lockFilePath(dir), JSON.stringify({ pid: LIVE_PID, startedAt: beforeBoot }));
  const lock = lockDataDir(dir);
  assert.equal(JSON.parse(readFileSync(lockFilePath(dir), 'utf8')).pid, process.pid);

  // Someone else's lock now (ours was removed by hand and another up started): release keeps it.
  writeFileSync(lockFilePath(dir), JSON.stringify({ pid: LIVE_PID, startedAt: new Date().toISOString() }));
  lock.release();
  assert.equal(existsSync(lockFilePath(dir)), true);

  writeFileSync(lockFilePath(dir), '');
  lockDataDir(dir).release();
  assert.equal(existsSync(lockFilePath(dir)), false);
});
