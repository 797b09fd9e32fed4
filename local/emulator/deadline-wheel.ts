import TinyQueue from 'tinyqueue';

/** Something the wheel can hold: it remembers its bucket so removal is O(1). */
export interface Scheduled {
  slot: number;
}

/**
 * Fires items once their time has passed, with one timer for all of them: items are bucketed by
 * time (resolutionMs), the buckets' keys kept in a min-heap. Rescheduling (modack) is O(1) plus a
 * heap push for a new bucket, never a scan of the items.
 */
export class DeadlineWheel<T extends Scheduled> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly keys = new TinyQueue<number>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly onDue: (items: T[]) => void,
    private readonly resolutionMs = 20,
  ) {}

  add(item: T, atMs: number): void {
    if (item.slot >= 0) this.remove(item);
    const key = Math.ceil(atMs / this.resolutionMs);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(key, bucket);
      this.keys.push(key);
    }
    bucket.add(item);
    item.slot = key;
    this.arm(key * this.resolutionMs);
  }

  remove(item: T): void {
    if (item.slot < 0) return;
    this.buckets.get(item.slot)?.delete(item);
    item.slot = -1;
  }

  /** Every item scheduled now (O(n): for rare whole-subscription operations such as seek). */
  items(): T[] {
    const all: T[] = [];
    for (const bucket of this.buckets.values()) for (const item of bucket) all.push(item);
    return all;
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    for (const bucket of this.buckets.values()) for (const item of bucket) item.slot = -1;
    this.buckets.clear();
    while (this.keys.length > 0) this.keys.pop();
  }

  private arm(atMs: number): void {
    if (atMs >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = atMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, atMs - Date.now()));
    // The gRPC server keeps the process alive; a pending lease alone must not.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const nowKey = Date.now() / this.resolutionMs;
    const due: T[] = [];
    while (this.keys.length > 0 && this.keys.peek()! <= nowKey) {
      const key = this.keys.pop()!;
      const bucket = this.buckets.get(key);
      if (!bucket) continue;
      this.buckets.delete(key);
      for (const item of bucket) {
        item.slot = -1;
        due.push(item);
      }
    }
    if (this.keys.length > 0) this.arm(this.keys.peek()! * this.resolutionMs);
    if (due.length > 0) this.onDue(due);
  }
}
