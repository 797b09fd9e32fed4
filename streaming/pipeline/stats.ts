import type { RawTable } from '../sinks/sink.ts';

const LATENCY_WINDOW = 1024;

/** The worker's counters, named `<stage>.<event>` when logged; latencies over the last writes. */
export class WorkerStats {
  received = 0;
  valid = 0;
  invalid = 0;
  duplicatesDropped = 0;
  acked = 0;
  nacked = 0;
  deadLettered = 0;
  batches = 0;
  failedBatches = 0;
  /** Messages whose rows the warehouse refused for good (dead-lettered as write_rejected). */
  refused = 0;
  /** Taken and not yet acked or nacked: received = acked + nacked + inFlight at any moment. */
  inFlight = 0;
  /** Push requests refused as not push messages (400) or too large (413): never stored. */
  badRequests = 0;
  readonly rows: Record<RawTable, number> = { orders: 0, order_items: 0, order_payments: 0, dead_letter: 0 };
  private readonly latencies: number[] = [];
  private next = 0;

  recordBatch(ms: number): void {
    this.batches += 1;
    if (this.latencies.length < LATENCY_WINDOW) this.latencies.push(ms);
    else this.latencies[this.next] = ms;
    this.next = (this.next + 1) % LATENCY_WINDOW;
  }

  /** The fields logged every --stats-interval seconds. */
  snapshot() {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1)) : null);
    return {
      'source.received': this.received,
      'validate.valid': this.valid,
      'validate.invalid': this.invalid,
      'dedupe.duplicates_dropped': this.duplicatesDropped,
      'settle.acked': this.acked,
      'settle.nacked': this.nacked,
      'settle.dead_lettered': this.deadLettered,
      'write.batches': this.batches,
      'write.failed_batches': this.failedBatches,
      'write.refused_messages': this.refused,
      'write.rows': { ...this.rows },
      'write.latency_ms_p50': at(0.5),
      'write.latency_ms_p99': at(0.99),
      'source.in_flight': this.inFlight,
      'source.bad_requests': this.badRequests,
      ...memory(),
    };
  }
}

const mb = (bytes: number) => Math.round(bytes / (1 << 20));

function memory() {
  const { rss, heapUsed, external } = process.memoryUsage();
  return { 'process.rss_mb': mb(rss), 'process.heap_used_mb': mb(heapUsed), 'process.external_mb': mb(external) };
}
