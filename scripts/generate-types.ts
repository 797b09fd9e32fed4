// Regenerates common/contract/order-event.generated.ts from the contract schema, so the TypeScript
// types never drift from schemas/ (test/unit/contract-types.test.ts fails when it is stale).
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderEventTypes } from './render-types.ts';

const target = fileURLToPath(new URL('../common/contract/order-event.generated.ts', import.meta.url));
await writeFile(target, await renderEventTypes());
process.stdout.write(`wrote ${target}\n`);
