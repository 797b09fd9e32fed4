import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/**
 * Writes generated files under `dir` (paths relative to it) and removes files of the same
 * extensions left over from an earlier generation, so the directory is exactly the output.
 */
export async function writeGenerated(dir: string, files: Record<string, string>, extensions: readonly string[]): Promise<string[]> {
  for (const stale of await listFiles(dir)) {
    const path = relative(dir, stale);
    if (!(path in files) && extensions.some((e) => path.endsWith(e))) await rm(stale);
  }
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return Object.keys(files).sort();
}

/** Every file under dir, recursively; none when it does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
