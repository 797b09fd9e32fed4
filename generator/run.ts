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
}

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
  while ((options.count === undefined || generated < options.count) && !options.signal?.aborted) {
    const wait = bucket?.take() ?? 0;
    if (wait >= MIN_SLEEP_MS) await sleep(wait);
    const message = stream.nextMessage();
    byKind[message.kind] += 1;
    generated += 1;
    await output.send(message);
  }
  return { generated, byKind, ...(await output.close()) };
}
