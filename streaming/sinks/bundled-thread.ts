import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const bundles = new Map<string, Promise<URL>>();

/**
 * Starts a worker thread on a TypeScript module, bundled once per process with esbuild into plain
 * JavaScript. A thread does not inherit tsx's loader, and registering it there costs ~23 MB of
 * memory for a second loader; the bundle needs none. Packages stay external, imported from where
 * this process resolves them; the module must not read files relative to its own URL.
 */
export async function startBundledThread(entry: URL, workerData: unknown): Promise<Worker> {
  let bundle = bundles.get(entry.href);
  if (!bundle) bundles.set(entry.href, (bundle = bundleOf(entry)));
  return new Worker(await bundle, { workerData });
}

async function bundleOf(entry: URL): Promise<URL> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    plugins: [{
      name: 'packages-from-here',
      setup(on) {
        // A data: module has no location to resolve bare specifiers from: give it absolute URLs.
        on.onResolve({ filter: /^[^./]/ }, (args) => ({ path: import.meta.resolve(args.path), external: true }));
      },
    }],
  });
  return new URL(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0]!.contents).toString('base64')}`);
}
