/**
 * The environment a deployed worker runs with (Terraform's Cloud Run service, `orderflow up`, and
 * the RSS benchmark's "as deployed" run; a Terraform test keeps them equal). A small V8 heap (its
 * 2 MB semi-spaces, for the event loop's and the writer thread's isolates, cost ~10 MB less than
 * 4 MB at no measurable CPU), and two malloc arenas rather than eight per core: DuckDB's and gRPC's
 * threads otherwise each keep freed memory in an arena of their own. Together they hold a worker
 * under ~300 MB (docs/worker.md).
 */
export const WORKER_RUNTIME_ENV = {
  NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=2',
  MALLOC_ARENA_MAX: '2',
} as const;
