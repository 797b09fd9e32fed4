import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageOutput, OutputStats } from './outputs/output.ts';
import type { EventStream, MessageKind } from './stream.ts';
import { TokenBucket } from './token-bucket.ts';

export interface RunOptions {
  /** Messages to send; unbounded when undefined. */
  count?: number;
  /** Messages a second; unthrottled when undefined or 0. */
  rate?: number;
  /** Stops the run early (SIGINT); what was sent is still flushed. */
  signal?: AbortSignal;
  /** With `rate`: called after each window (10 s, or the run's end) that fell more than 5% short of it. */
  onShortfall?: (shortfall: RateShortfall) => void;
}

/** A window of the run in which the output did not take `rate` messages a second. */
export interface RateShortfall {
  target_rate: number;
  /** Messages a second the run achieved in the window (whole number). */
  achieved_rate: number;
  window_s: number;
}

const SHORTFALL_WINDOW_MS = 10_000;
const SHORTFALL_TOLERANCE = 0.95;

export interface RunResult extends OutputStats {
  generated: number;
  byKind: Record<MessageKind, number>;
}

// Below this a timer costs more than it buys; the bucket's debt keeps the rate exact anyway.
const MIN_SLEEP_MS = 4;

export async function runGenerator(stream: EventStream, output: MessageOutput, options: RunOptions = {}): Promise<RunResult> {
  const bucket = options.rate ? new TokenBucket(options.rate) : undefined;
  const byKind: Record<MessageKind, number> = { created: 0, updated: 0, duplicate: 0, invalid: 0 };
  let generated = 0;
  let window = { started: performance.now(), generated: 0 };
  // A rate the output cannot take (publishing is the bottleneck) is reported, not silently missed.
  const checkRate = (now: number, final: boolean) => {
    const elapsed = now - window.started;
    if (!options.rate || !options.onShortfall || (!final && elapsed < SHORTFALL_WINDOW_MS) || elapsed < 1000) return;
    const achieved = ((generated - window.generated) * 1000) / elapsed;
    if (achieved < options.rate * SHORTFALL_TOLERANCE)
      options.onShortfall({ target_rate: options.rate, achieved_rate: Math.round(achieved), window_s: Math.round(elapsed / 1000) });
    window = { started: now, generated };
  };
  while ((options.count === undefined || generated < options.count) && !options.signal?.aborted) {
    const wait = bucket?.take() ?? 0;
    if (wait >= MIN_SLEEP_MS) await sleep(wait);
    const message = stream.nextMessage();
    byKind[message.kind] += 1;
    generated += 1;
    await output.send(message);
    if ((generated & 255) === 0) checkRate(performance.now(), false);
  }
  const stats = await output.close();
  checkRate(performance.now(), true);
  return { generated, byKind, ...stats };
}
