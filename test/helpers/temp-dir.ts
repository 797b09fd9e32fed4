import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * A fresh `orderflow-<label>-*` directory in the OS temp directory, removed when the test file's
 * tests end (node:test's `after` at the top level), so `npm test` leaves nothing behind.
 */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `orderflow-${label}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
