/** When a micro-batch is written: whichever limit is reached first. */
export interface BatchLimits {
  /** Messages: keep it at most half the flow-control bound, so the next batch fills while one is written. */
  maxMessages: number;
  /** Rows over all tables. */
  maxRows: number;
  /** Message bytes. */
  maxBytes: number;
  /** Age of the oldest entry, in ms. */
  maxAgeMs: number;
  /** Batches being written at once; a full batch waits while this many are. */
  maxInFlight: number;
}

// A short age: while writes are in flight the next batch grows on its own, so age only matters when
// the sink is idle, where waiting adds latency and, under flow control, holds back the pull.
// Two writes in flight: the next batch is already queued at the sink when one commits, rather than
// the sink idling for the round trip that hands it over (measured: ~15% more messages a second).
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxMessages: 500, maxRows: 20_000, maxBytes: 16 * 1024 * 1024, maxAgeMs: 10, maxInFlight: 2 };

/**
 * --batch-max-age-ms for push workers as deployed (Terraform's push env) and benchmarked. A push
 * batch is written as soon as every connection's request is in it (allIn), so the age limit only
 * holds it while some connection's next request is on its way: at 10 ms a loaded instance wrote
 * each round of requests in two or three batches, each paying the sink's fixed cost (bench:push).
 */
export const PUSH_BATCH_MAX_AGE_MS = 100;

/** Called once an entry's batch is written: with its result, or with the error its batch failed with. Must not throw. */
export type Done<R> = (error: Error | undefined, result?: R) => void;

interface Waiting<T, R> {
  item: T;
  done: Done<R>;
}

/**
 * Gathers entries from concurrent callers into micro-batches and writes up to maxInFlight batches
 * at a time (the next one fills while they are written). Each entry's `done` is called once its
 * batch is written; `write` returns one result per entry, in order. Callbacks rather than a
 * promise an entry: the worker adds every message it receives, and promises were a good part of
 * what it allocated.
 */
export class MicroBatcher<T, R> {
  private buffer: Waiting<T, R>[] = [];
  private rows = 0;
  private bytes = 0;
  private oldestAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly writing = new Set<Promise<void>>();
  /** Set by allIn(), cleared by the next add or batch: no further entry can join the buffer. */
  private complete = false;

  constructor(
    private readonly limits: BatchLimits,
    private readonly write: (items: T[]) => Promise<R[]>,
  ) {}

  add(item: T, size: { rows: number; bytes: number }, done: Done<R>): void {
    if (this.buffer.length === 0) this.oldestAt = performance.now();
    this.buffer.push({ item, done });
    this.rows += size.rows;
    this.bytes += size.bytes;
    this.complete = false;
    this.kick(false);
  }

  /**
   * Push mode's rule: `open` is every entry the caller has not seen settled (push: the open
   * requests), and none is still on its way here. When all of them are in the buffer (none being
   * written), nothing can grow the batch until it is written, so waiting for the size and age
   * limits would only add latency: the buffer is written now (or when a write slot frees, unless
   * an add comes first; the caller then says so again). Pull mode never calls it: there the next
   * pull response may arrive any moment.
   */
  allIn(open: number): void {
    if (this.buffer.length === 0 || this.buffer.length < open) return;
    this.complete = true;
    this.kick(false);
  }

  /** Entries waiting for a batch (not yet being written). */
  get pending(): number {
    return this.buffer.length;
  }

  /** Writes whatever is buffered now, and resolves when no write is left. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.writing.size > 0) {
      this.kick(true);
      await Promise.race(this.writing);
    }
  }

  private kick(force: boolean): void {
    if (this.writing.size >= this.limits.maxInFlight || this.buffer.length === 0) return;
    const age = performance.now() - this.oldestAt;
    if (
      !force &&
      !this.complete &&
      this.buffer.length < this.limits.maxMessages &&
      this.rows < this.limits.maxRows &&
      this.bytes < this.limits.maxBytes &&
      age < this.limits.maxAgeMs
    ) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.kick(false);
      }, this.limits.maxAgeMs - age);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.complete = false;
    const batch = this.buffer;
    this.buffer = [];
    this.rows = 0;
    this.bytes = 0;
    const writing: Promise<void> = this.run(batch).finally(() => {
      this.writing.delete(writing);
      // Entries that arrived during the write may already be due.
      this.kick(false);
    });
    this.writing.add(writing);
  }

  private async run(batch: Waiting<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.write(batch.map((waiting) => waiting.item));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(`write failed: ${String(error)}`);
      for (const waiting of batch) waiting.done(failure);
      return;
    }
    batch.forEach((waiting, i) => waiting.done(undefined, results[i]));
  }
}
