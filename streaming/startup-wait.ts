import { setTimeout as sleep } from 'node:timers/promises';
import { OperationalError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';

export interface StartupWaitOptions {
  /** How long to keep retrying, in ms; 0 fails on the first miss. */
  waitMs: number;
  /** Delay between attempts, in ms: one log line each. Default 5,000. */
  retryMs?: number;
  logger: Logger;
  /** Fields added to each waiting line (e.g. the port, so an operator can probe /ready). */
  context?: Record<string, unknown>;
}

/**
 * Runs `check` until it resolves. An OperationalError (a missing subscription, table or permission)
 * is retried every `retryMs` for up to `waitMs`, one warn line per attempt, then rethrown; any other
 * error is a bug or bad configuration and is thrown at once. On a first deploy the worker can start
 * moments before its grants exist or propagate (IAM takes up to a few minutes), and exiting then
 * fails the revision instead of waiting for them.
 */
export async function waitForStartup(check: () => Promise<void>, options: StartupWaitOptions): Promise<void> {
  const retryMs = options.retryMs ?? 5_000;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await check();
    } catch (error) {
      const waited = Date.now() - started;
      if (!(error instanceof OperationalError) || waited + retryMs > options.waitMs) throw error;
      options.logger.warn(
        { ...options.context, attempt, waited_s: Math.round(waited / 1000), wait_s: Math.round(options.waitMs / 1000), reason: error.message },
        'waiting for resources at start-up',
      );
      await sleep(retryMs);
    }
  }
}
