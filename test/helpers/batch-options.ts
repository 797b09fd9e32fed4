import type { BatchOptions } from '../../batch/job.ts';
import { createLogger } from '../../common/logger.ts';
import { DirectoryStore } from '../../common/object-store.ts';

/** A batch run's options for in-process tests: dims from `dimsDir`, a fresh run id, a fixed clock, no logs. */
export const batchTestOptions = (dimsDir: string, now: Date, overrides: Partial<BatchOptions> = {}): BatchOptions => ({
  requested: [],
  dims: new DirectoryStore(dimsDir),
  noPublish: false,
  lookbackDays: 0,
  runId: `run-${Math.random().toString(16).slice(2, 8)}`,
  now: () => now,
  logger: createLogger({ level: 'silent' }),
  ...overrides,
});
