/**
 * A bounded set of recently written event ids, least recently seen evicted first (a Map keeps
 * insertion order, so re-inserting on a hit is the LRU bookkeeping). Cheap, not authoritative:
 * what it misses (another instance, a restart, an evicted id) the read side dedupes by key.
 */
export class RecentIds {
  private readonly ids = new Map<string, true>();

  constructor(private readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive whole number, got ${capacity}`);
  }

  /** True when the id was seen (and refreshes it). */
  has(id: string): boolean {
    if (!this.ids.delete(id)) return false;
    this.ids.set(id, true);
    return true;
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value!);
  }

  get size(): number {
    return this.ids.size;
  }
}
