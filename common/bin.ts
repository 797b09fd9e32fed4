import { fileURLToPath } from 'node:url';

/** True when this module runs compiled (dist/), false when run from its TypeScript source through tsx. */
const COMPILED = import.meta.url.endsWith('.js');

/**
 * Node.js arguments that run the `orderflow` CLI as a child process the way this process runs:
 * `spawn(process.execPath, [...ORDERFLOW_NODE_ARGS, 'worker', ...])`. Compiled, the CLI in dist/
 * (what `bin/orderflow.js` and the image run); from sources (tests, `npm run` scripts), the
 * TypeScript CLI through tsx's loader, so a test exercises the code it sits beside, not a stale build.
 */
export const ORDERFLOW_NODE_ARGS: readonly string[] = COMPILED
  ? [fileURLToPath(new URL('../cli/main.js', import.meta.url))]
  : ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../cli/main.ts', import.meta.url))];

/**
 * The compiled CLI in dist/ (`npm run build`), whichever form this module runs in: benchmarks that
 * measure a worker process's memory run what production runs, not the sources through a loader.
 */
export const BUILT_CLI = fileURLToPath(new URL(COMPILED ? '../cli/main.js' : '../dist/cli/main.js', import.meta.url));
