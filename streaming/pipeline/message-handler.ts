import type { InboundMessage } from './message.ts';
import type { Outcome } from './outcome.ts';

/** Hears one message's outcome, exactly once: the source acks or nacks by it. */
export type Settle = (outcome: Outcome) => void;

/**
 * The port both sources feed (the pull source's stream, the push server's requests): the Pipeline
 * and the DeadLetterDrain implement it, and neither source knows which it feeds.
 */
export interface MessageHandler {
  /** Takes one message; `settle` is called exactly once. A throw means the message was not taken (the source nacks it). */
  handle(message: InboundMessage, settle: Settle): void;
  /** Push only, called when no request is being read: `open` connections may bring this handler a request now (each carries one at a time). */
  allIn?(open: number): void;
}
