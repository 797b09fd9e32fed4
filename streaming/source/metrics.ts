import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkerStats } from '../pipeline/stats.ts';
import { RAW_TABLE_NAMES } from '../../common/table-schemas.ts';

/**
 * The worker's counters for scrapers: Prometheus text (prom-client, with its process metrics) on
 * GET /metrics, and the same figures as `WorkerStats.snapshot()` JSON on GET /stats (what `up` and
 * `orderflow status` read). The stats object stays the one place counting happens; every metric is
 * read from it when scraped.
 */
export interface WorkerMetrics {
  readonly contentType: string;
  prometheus(): Promise<string>;
  json(): Record<string, unknown>;
}

const COUNTERS: [name: string, help: string, read: (stats: WorkerStats) => number][] = [
  ['messages_received_total', 'Messages taken from the source (pulled or pushed)', (s) => s.received],
  ['messages_valid_total', 'Messages that passed validation', (s) => s.valid],
  ['messages_invalid_total', 'Messages rejected by validation (dead-lettered)', (s) => s.invalid],
  ['duplicates_dropped_total', "Events dropped by the worker's recent-ids cache", (s) => s.duplicatesDropped],
  ['messages_acked_total', 'Messages acked once their rows were durable', (s) => s.acked],
  ['messages_nacked_total', 'Messages nacked for redelivery', (s) => s.nacked],
  ['messages_dead_lettered_total', 'Messages written to raw.dead_letter', (s) => s.deadLettered],
  ['write_batches_total', 'Micro-batches written', (s) => s.batches],
  ['write_failed_batches_total', 'Micro-batch writes that failed', (s) => s.failedBatches],
  ['push_bad_requests_total', 'Push requests refused as not push messages (400) or too large (413)', (s) => s.badRequests],
];

export function workerMetrics(stats: WorkerStats): WorkerMetrics {
  const registry = new Registry();
  const prefix = 'orderflow_worker_';
  for (const [name, help, read] of COUNTERS) {
    new Counter({
      name: prefix + name,
      help,
      registers: [registry],
      // A counter cannot be set: the scrape restates WorkerStats' running total.
      collect() {
        this.reset();
        this.inc(read(stats));
      },
    });
  }
  new Counter({
    name: `${prefix}rows_written_total`,
    help: 'Rows written, by raw table',
    labelNames: ['table'],
    registers: [registry],
    collect() {
      this.reset();
      for (const table of RAW_TABLE_NAMES) this.inc({ table }, stats.rows[table]);
    },
  });
  new Gauge({
    name: `${prefix}messages_in_flight`,
    help: 'Messages received and not yet settled',
    registers: [registry],
    collect() {
      this.set(stats.inFlight);
    },
  });
  new Gauge({
    name: `${prefix}write_latency_ms`,
    help: 'Micro-batch write latency over the last 1,024 writes',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      const snapshot = stats.snapshot();
      for (const [quantile, value] of [
        ['0.5', snapshot['write.latency_ms_p50']],
        ['0.99', snapshot['write.latency_ms_p99']],
      ] as const) {
        if (value !== null) this.set({ quantile }, value);
      }
    },
  });
  collectDefaultMetrics({ register: registry, prefix });
  return { contentType: registry.contentType, prometheus: () => registry.metrics(), json: () => stats.snapshot() };
}
