// npm run docs:marts — regenerate docs/marts.md from the model metadata files.
import { writeFile } from 'node:fs/promises';
import { renderMartsDoc } from '../batch/docs.ts';
import { loadModels } from '../batch/models.ts';

await writeFile(new URL('../docs/marts.md', import.meta.url), renderMartsDoc(loadModels()));
process.stdout.write('wrote docs/marts.md\n');
