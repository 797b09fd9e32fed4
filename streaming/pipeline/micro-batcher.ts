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
}

// A short age: while one batch is written the next grows on its own, so age only matters when the
// sink is idle, where waiting adds latency and, under flow control, holds back the pull.
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxMessages: 500, maxRows: 20_000, maxBytes: 16 * 1024 * 1024, maxAgeMs: 10 };

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers entries from concurrent callers into micro-batches and writes one batch at a time (the
 * next one fills while the previous is written). add() resolves with that entry's result once its
 * batch is written; `write` returns one result per entry, in order.
 */
export class MicroBatcher<T, R> {
  private buffer: Waiting<T, R>[] = [];
  private rows = 0;
  private bytes = 0;
  private oldestAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(private readonly limits: BatchLimits, private readonly write: (items: T[]) => Promise<R[]>) {}

  add(item: T, size: { rows: number; bytes: number }): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.buffer.length === 0) this.oldestAt = performance.now();
      this.buffer.push({ item, resolve, reject });
      this.rows += size.rows;
      this.bytes += size.bytes;
      this.kick(false);
    });
  }

  /** Entries waiting for a batch (not yet being written). */
  get pending(): number {
    return this.buffer.length;
  }

  /** Writes whatever is buffered now, and resolves when no write is left. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.writing) {
      this.kick(true);
      await this.writing;
    }
  }

  private kick(force: boolean): void {
    if (this.writing || this.buffer.length === 0) return;
    const age = performance.now() - this.oldestAt;
    if (!force && this.buffer.length < this.limits.maxMessages && this.rows < this.limits.maxRows && this.bytes < this.limits.maxBytes && age < this.limits.maxAgeMs) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.kick(false);
      }, this.limits.maxAgeMs - age);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.rows = 0;
    this.bytes = 0;
    this.writing = this.run(batch).finally(() => {
      this.writing = undefined;
      // Entries that arrived during the write may already be due.
      this.kick(false);
    });
  }

  private async run(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, i) => waiting.resolve(results[i]!));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
