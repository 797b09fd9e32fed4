import type { GeneratedMessage } from '../stream.ts';

export interface OutputStats {
  published: number;
  failed: number;
}

/** Where generated messages go: a Pub/Sub topic, or NDJSON bytes on stdout or in a file. */
export interface MessageOutput {
  /** Resolves when the output can take another message (backpressure), not necessarily when it is durable. */
  send(message: GeneratedMessage): Promise<void>;
  /** Flushes everything still buffered or in flight. */
  close(): Promise<OutputStats>;
  stats(): OutputStats & { inFlight: number };
}
