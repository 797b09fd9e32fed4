import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh `orderflow-<label>-*` directory in the OS temp directory, removed when the test file's
 * process exits (whatever the tests' outcome), so `npm test` leaves nothing behind.
 */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `orderflow-${label}-`));
  made.push(dir);
  return dir;
}
