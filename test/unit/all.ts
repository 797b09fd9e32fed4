import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The fast lane (`npm run test:unit`) in one process: unit tests spawn nothing and share no state,
// and with a process a file most of the lane was spent starting Node and tsx, once a file.
const here = fileURLToPath(new URL('.', import.meta.url));
for (const file of readdirSync(here, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.test.ts'))
  .sort())
  await import(new URL(file, import.meta.url).href);
