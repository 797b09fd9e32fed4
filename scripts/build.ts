// `npm run build` (and `prepare`, so `npm ci` leaves a runnable CLI): TypeScript to dist/ with tsc,
// then the files the code reads at run time (JSON Schemas, SQL models, audits, views) beside it, in
// the same layout, so `new URL('../schemas/…', import.meta.url)` finds them from dist/ as from the sources.
// The dashboard's page (HTML and its browser script) is served as files, never compiled.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Folders holding run-time assets, and the file kinds copied from them. */
export const ASSET_DIRS = ['schemas', 'batch', 'dashboard'];
const ASSET = /\.(json|sql|html|js|css)$/;

const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: join(ROOT, 'dist') } } });
const outDir = resolve(values['out-dir']!);

rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { stdio: 'inherit' });
for (const dir of ASSET_DIRS) {
  cpSync(join(ROOT, dir), join(outDir, dir), {
    recursive: true,
    filter: (source) => !source.includes('/bench') && (statSync(source).isDirectory() || ASSET.test(source)),
  });
}
