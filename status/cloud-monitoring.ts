import type { MetricServiceClient } from '@google-cloud/monitoring';
import type { SubscriptionFigures } from '../local/stack/stack-file.ts';

/** The workers as Cloud Monitoring sees them: Cloud Run instances are not addressable one by one. */
export interface CloudWorkerFigures {
  /** The Cloud Run service (Terraform: orderflow-worker). */
  service: string;
  /** Instances of the service (run.googleapis.com/container/instance_count, summed over states), or null without points. */
  instances: number | null;
  /** Messages a second the subscription's consumers acked (pubsub.googleapis.com/subscription/ack_message_count, rate over 60 s). */
  ackedPerSecond: number | null;
  /** The newest point's end time (RFC 3339); Cloud Monitoring's Pub/Sub metrics lag by a few minutes. */
  asOf: string | null;
}

/** How far back to look: Pub/Sub metrics are sampled every 60 s and appear up to ~4 min late. */
const LOOKBACK_S = 600;

type Point = { value: number; end: string };

/**
 * The subscription's backlog (num_undelivered_messages), oldest unacked age (s) and ack rate, and
 * the worker service's instance count, each the newest point within the last 10 minutes, through
 * Cloud Monitoring's timeSeries.list (metric names: cloud.google.com/monitoring/api/metrics_gcp).
 * Needs roles/monitoring.viewer. Errors (permission, unreachable) are the client's, thrown as they come.
 */
export async function cloudPipelineFigures(
  client: Pick<MetricServiceClient, 'listTimeSeries'>,
  options: { project: string; subscription: string; service: string; now?: number },
): Promise<{ subscription?: SubscriptionFigures; subscriptionNote?: string; workers: CloudWorkerFigures }> {
  const end = Math.floor((options.now ?? Date.now()) / 1000);
  const newest = async (metric: string, resource: string, aggregation?: { aligner: 'ALIGN_RATE' | 'ALIGN_MAX' }): Promise<Point | null> => {
    const [series] = await client.listTimeSeries({
      name: `projects/${options.project}`,
      filter: `metric.type = "${metric}" AND ${resource}`,
      interval: { startTime: { seconds: end - LOOKBACK_S }, endTime: { seconds: end } },
      view: 'FULL',
      ...(aggregation ? { aggregation: { alignmentPeriod: { seconds: 60 }, perSeriesAligner: aggregation.aligner, crossSeriesReducer: 'REDUCE_SUM' } } : {}),
    });
    // Points come newest first; with several series (none once reduced), the newest of each is summed.
    const heads = series.map((s) => s.points?.[0]).filter((p) => p !== undefined);
    if (heads.length === 0) return null;
    const value = heads.reduce((sum, p) => sum + Number(p.value?.int64Value ?? p.value?.doubleValue ?? 0), 0);
    const seconds = Math.max(...heads.map((p) => Number(p.interval?.endTime?.seconds ?? 0)));
    return { value, end: new Date(seconds * 1000).toISOString() };
  };
  const subscription = `resource.type = "pubsub_subscription" AND resource.labels.subscription_id = "${options.subscription}"`;
  const service = `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${options.service}"`;
  const [backlog, oldest, acked, instances] = await Promise.all([
    newest('pubsub.googleapis.com/subscription/num_undelivered_messages', subscription),
    newest('pubsub.googleapis.com/subscription/oldest_unacked_message_age', subscription),
    newest('pubsub.googleapis.com/subscription/ack_message_count', subscription, { aligner: 'ALIGN_RATE' }),
    newest('run.googleapis.com/container/instance_count', service, { aligner: 'ALIGN_MAX' }),
  ]);
  const asOf =
    [backlog, oldest, acked, instances]
      .map((p) => p?.end)
      .filter((e) => e !== undefined)
      .sort()
      .at(-1) ?? null;
  const name = `projects/${options.project}/subscriptions/${options.subscription}`;
  return {
    ...(backlog === null
      ? {
          subscriptionNote: `unknown: Cloud Monitoring has no num_undelivered_messages for ${name} in the last ${LOOKBACK_S / 60} minutes (wrong project or subscription, or none yet)`,
        }
      : { subscription: { subscription: name, num_undelivered_messages: backlog.value, oldest_unacked_message_age_s: oldest?.value ?? null } }),
    workers: { service: options.service, instances: instances?.value ?? null, ackedPerSecond: acked === null ? null : Number(acked.value.toFixed(1)), asOf },
  };
}
