import type { WorkerConfig } from '../../streaming/worker.ts';

/** A push worker on 127.0.0.1 for tests: a free port, no stats lines, a 2 s drain; `overrides` win. */
export const pushWorkerConfig = (overrides: Partial<WorkerConfig> = {}): WorkerConfig => ({
  mode: 'push',
  projectId: 'p',
  subscription: 'unused',
  maxMessages: 1000,
  maxBytes: 1 << 20,
  streams: 1,
  limits: { maxMessages: 1e9, maxRows: 5000, maxBytes: 8 << 20, maxAgeMs: 30, maxInFlight: 2 },
  dedupeCapacity: 1000,
  host: '127.0.0.1',
  port: 0,
  statsIntervalMs: 60_000,
  drainTimeoutMs: 2000,
  ...overrides,
});
