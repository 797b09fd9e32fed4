import type { GeneratedMessage } from '../stream.ts';

export interface OutputStats {
  published: number;
  failed: number;
}

/** What an `--out` value names (generate, import): the topic, stdout (`-` too), or else a file path. */
export function outputKind(out: string): 'pubsub' | 'stdout' | 'file' {
  if (out === 'pubsub') return 'pubsub';
  return out === 'stdout' || out === '-' ? 'stdout' : 'file';
}

/** Where generated messages go: a Pub/Sub topic, or NDJSON bytes on stdout or in a file. */
export interface MessageOutput {
  /** Resolves when the output can take another message (backpressure), not necessarily when it is durable. */
  send(message: GeneratedMessage): Promise<void>;
  /** Flushes everything still buffered or in flight. */
  close(): Promise<OutputStats>;
  stats(): OutputStats & { inFlight: number };
}
