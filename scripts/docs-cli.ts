// npm run docs:cli — regenerate docs/cli.md from the CLI's own --help.
import { writeFile } from 'node:fs/promises';
import { renderCliReference } from './cli-reference.ts';

await writeFile(new URL('../docs/cli.md', import.meta.url), renderCliReference());
process.stdout.write('wrote docs/cli.md\n');
