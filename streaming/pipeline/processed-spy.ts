import type { Outcome } from './outcome.ts';

export interface ProcessedEvent {
  messageId: string;
  eventId?: string;
  outcome: Outcome;
}

type Predicate = (event: ProcessedEvent) => boolean;

interface Waiter {
  predicate: Predicate;
  count: number;
  matches: ProcessedEvent[];
  resolve: (events: ProcessedEvent[]) => void;
}

/**
 * Records every settled message so tests await what happened instead of sleeping (the idea of
 * message-queue-toolkit's HandlerSpy): a wait resolves at once when past events already match.
 */
export class ProcessedSpy {
  readonly events: ProcessedEvent[] = [];
  private waiters: Waiter[] = [];

  record(event: ProcessedEvent): void {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.predicate(event)) waiter.matches.push(event);
      if (waiter.matches.length < waiter.count) return true;
      waiter.resolve(waiter.matches);
      return false;
    });
  }

  /** Resolves with the matching events once `count` of them have been processed. */
  waitFor(predicate: Predicate, count = 1): Promise<ProcessedEvent[]> {
    const matches = this.events.filter(predicate);
    if (matches.length >= count) return Promise.resolve(matches);
    return new Promise((resolve) => this.waiters.push({ predicate, count, matches, resolve }));
  }

  waitForMessage(messageId: string): Promise<ProcessedEvent> {
    return this.waitFor((event) => event.messageId === messageId).then((events) => events.at(-1)!);
  }
}
