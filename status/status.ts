import type { SubscriptionFigures } from '../local/stack/stack-file.ts';
import { fetchWorkerStats } from '../local/stack/worker-stats.ts';
import type { CloudWorkerFigures } from './cloud-monitoring.ts';

/** One worker's figures: rates over the sample, totals since it started. */
export interface WorkerStatus {
  url: string;
  /** Why it could not be read (unreachable, not a worker). */
  error?: string;
  receivedPerSecond?: number;
  ackedPerSecond?: number;
  inFlight?: number;
  acked?: number;
  deadLettered?: number;
  duplicatesDropped?: number;
}

export interface WapRun {
  run_id: string;
  status: string;
  dates: string;
  finished_at: string;
}

export interface Status {
  subscription?: SubscriptionFigures;
  /** Why the backlog is not shown. */
  subscriptionNote?: string;
  /** Local: each worker's /stats. */
  workers: WorkerStatus[];
  /** Google Cloud: the workers as Cloud Monitoring sees them (Cloud Run instances are not addressable one by one). */
  cloudWorkers?: CloudWorkerFigures;
  deadLetters?: Record<string, number>;
  wapRuns?: WapRun[];
  warehouseNote?: string;
}

/** Reads two /stats snapshots `sampleMs` apart from each worker: rates need two points. */
export async function workerStatuses(urls: readonly string[], sampleMs: number): Promise<WorkerStatus[]> {
  const read = (url: string) =>
    fetchWorkerStats(url).then(
      (stats) => ({ stats, at: performance.now() }),
      (error: Error) => ({ error }),
    );
  const first = await Promise.all(urls.map(read));
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const second = await Promise.all(urls.map(read));
  return urls.map((url, i) => {
    const [a, b] = [first[i]!, second[i]!];
    if ('error' in a || 'error' in b) return { url, error: ('error' in b ? b.error : (a as { error: Error }).error).message };
    const seconds = (b.at - a.at) / 1000;
    const rate = (key: string) => Number(((Number(b.stats[key]) - Number(a.stats[key])) / seconds).toFixed(1));
    return {
      url,
      receivedPerSecond: rate('source.received'),
      ackedPerSecond: rate('settle.acked'),
      inFlight: Number(b.stats['source.in_flight']),
      acked: Number(b.stats['settle.acked']),
      deadLettered: Number(b.stats['settle.dead_lettered']),
      duplicatesDropped: Number(b.stats['dedupe.duplicates_dropped']),
    };
  });
}

export async function subscriptionFigures(url: string): Promise<SubscriptionFigures> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return (await response.json()) as SubscriptionFigures;
}

const n = (value: number) => value.toLocaleString('en-US');

/** The status as a person reads it. */
export function formatStatus(status: Status): string {
  const lines: string[] = [];
  const s = status.subscription;
  lines.push(
    s
      ? `subscription  ${s.subscription}: backlog ${n(s.num_undelivered_messages)}, oldest unacked ${s.oldest_unacked_message_age_s === null ? '-' : `${s.oldest_unacked_message_age_s.toFixed(1)} s`}`
      : `subscription  ${status.subscriptionNote}`,
  );
  const cloud = status.cloudWorkers;
  if (cloud) {
    const figure = (value: number | null, unit = '') => (value === null ? '-' : `${value.toFixed(1)}${unit}`);
    lines.push(
      `workers       service ${cloud.service}: instances ${cloud.instances === null ? '-' : n(cloud.instances)}  acked ${figure(cloud.ackedPerSecond, '/s')}  (Cloud Monitoring, ${cloud.asOf ?? 'no points in the last 10 minutes'})`,
    );
  } else lines.push(`workers       ${status.workers.length === 0 ? 'none given (--worker URL, or a running orderflow up)' : ''}`.trimEnd());
  for (const w of status.workers) {
    lines.push(
      w.error
        ? `  ${w.url}  unreachable: ${w.error}`
        : `  ${w.url}  received ${w.receivedPerSecond}/s  acked ${w.ackedPerSecond}/s  in flight ${n(w.inFlight!)}  acked ${n(w.acked!)}  dead-lettered ${n(w.deadLettered!)}  duplicates dropped ${n(w.duplicatesDropped!)}`,
    );
  }
  if (status.warehouseNote) lines.push(`warehouse     ${status.warehouseNote}`);
  if (status.deadLetters) {
    const entries = Object.entries(status.deadLetters);
    lines.push(`dead letters  ${entries.length ? entries.map(([code, count]) => `${code} ${n(count)}`).join(', ') : 'none'}`);
  }
  if (status.wapRuns) {
    lines.push(`WAP runs      ${status.wapRuns.length ? '' : 'none yet (orderflow batch run)'}`.trimEnd());
    for (const run of status.wapRuns)
      lines.push(`  ${run.finished_at}  ${run.status.padEnd(12)} ${run.run_id}  dates ${run.dates ? run.dates.split(',').length : 0}`);
  }
  return `${lines.join('\n')}\n`;
}
