// npm run bench: every bench:* script of package.json, one after another (they share 2 cores).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const scripts = Object.keys(
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts,
).filter((name) => name.startsWith('bench:'));
let failed = 0;
for (const name of scripts) {
  console.log(`\n== npm run ${name}`);
  const result = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed ? 1 : 0;
