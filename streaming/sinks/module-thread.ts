import { Worker } from 'node:worker_threads';

/**
 * The URL of module `name` (no extension) beside `base` (an `import.meta.url`), in the same form:
 * `.js` when the caller runs compiled from dist/, `.ts` when it runs from its source.
 */
export function siblingModule(name: string, base: string): URL {
  return new URL(`./${name}${base.slice(base.lastIndexOf('.'))}`, base);
}

/**
 * Starts a worker thread on a module. Compiled JavaScript runs as it is. A TypeScript source (tests
 * and `npm run` scripts run the sources) gets tsx's loader registered first: threads do not inherit
 * the parent's loader, and that second loader (~23 MB) is never in the production path.
 */
export function startModuleThread(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => api.register()).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(boot, { eval: true, workerData });
}
