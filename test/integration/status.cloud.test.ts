import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { MetricServiceClient } from '@google-cloud/monitoring';
import { parse as parseSql } from 'sql-parser-cst';
import { BigQueryWarehouse, bigqueryTarget, type BigQueryClient } from '../../batch/engines/bigquery.ts';
import { cloudPipelineFigures } from '../../status/cloud-monitoring.ts';
import { formatStatus } from '../../status/status.ts';
import { warehouseStatus } from '../../status/warehouse.ts';
import { runCli } from '../helpers/cli.ts';
import { MonitoringStandIn } from '../helpers/monitoring-standin.ts';

// Issue 22.12, a real project: the backlog and the workers from Cloud Monitoring (the real client over
// gRPC, against a local MetricService), dead letters and WAP runs from BigQuery (SQL checked in its dialect).
const NOW = Date.parse('2026-11-30T12:00:00Z');
const at = (minutesAgo: number) => NOW / 1000 - minutesAgo * 60;
let standIn: MonitoringStandIn;
let client: MetricServiceClient;

const clientOf = (port: number) =>
  // sslCreds (insecure) replaces Google auth on the channel; universeDomain spares google-gax the credentials lookup.
  new MetricServiceClient({ servicePath: '127.0.0.1', port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com', projectId: 'shop' });

before(async () => {
  standIn = await new MonitoringStandIn({
    'pubsub.googleapis.com/subscription/num_undelivered_messages': [
      [
        { value: { int64Value: '1234' }, endSeconds: at(2) },
        { value: { int64Value: '99' }, endSeconds: at(3) },
      ],
    ],
    'pubsub.googleapis.com/subscription/oldest_unacked_message_age': [[{ value: { int64Value: '42' }, endSeconds: at(2) }]],
    'pubsub.googleapis.com/subscription/ack_message_count': [[{ value: { doubleValue: 512.26 }, endSeconds: at(3) }]],
    'run.googleapis.com/container/instance_count': [[{ value: { int64Value: '3' }, endSeconds: at(1) }]],
  }).start();
  client = clientOf(standIn.port);
});
after(async () => {
  await client.close();
  await standIn.stop();
});

test('the backlog, the oldest unacked age and the workers come from Cloud Monitoring, newest point of the last 10 minutes', async () => {
  const figures = await cloudPipelineFigures(client, { project: 'shop', subscription: 'orders-worker', service: 'orderflow-worker', now: NOW });
  assert.deepEqual(figures.subscription, {
    subscription: 'projects/shop/subscriptions/orders-worker',
    num_undelivered_messages: 1234,
    oldest_unacked_message_age_s: 42,
  });
  assert.deepEqual(figures.workers, { service: 'orderflow-worker', instances: 3, ackedPerSecond: 512.3, asOf: '2026-11-30T11:59:00.000Z' });

  const byMetric = new Map(standIn.requests.map((r) => [/metric\.type = "([^"]+)"/.exec(r.filter)![1], r]));
  assert.equal(byMetric.size, 4);
  for (const request of byMetric.values()) {
    assert.equal(request.name, 'projects/shop');
    assert.equal(Number(request.interval.endTime.seconds), NOW / 1000);
    assert.equal(Number(request.interval.endTime.seconds) - Number(request.interval.startTime.seconds), 600);
  }
  assert.match(
    byMetric.get('pubsub.googleapis.com/subscription/num_undelivered_messages')!.filter,
    /resource\.type = "pubsub_subscription" AND resource\.labels\.subscription_id = "orders-worker"/,
  );
  assert.match(
    byMetric.get('run.googleapis.com/container/instance_count')!.filter,
    /resource\.type = "cloud_run_revision" AND resource\.labels\.service_name = "orderflow-worker"/,
  );
  // A count is a rate only once aligned; series of several revisions are summed.
  assert.deepEqual(pick(byMetric.get('pubsub.googleapis.com/subscription/ack_message_count')!.aggregation), {
    perSeriesAligner: 'ALIGN_RATE',
    crossSeriesReducer: 'REDUCE_SUM',
    alignmentPeriod: '60',
  });
  assert.deepEqual(pick(byMetric.get('run.googleapis.com/container/instance_count')!.aggregation), {
    perSeriesAligner: 'ALIGN_MAX',
    crossSeriesReducer: 'REDUCE_SUM',
    alignmentPeriod: '60',
  });
});

const pick = (a: { perSeriesAligner: string; crossSeriesReducer: string; alignmentPeriod?: { seconds: string } } | undefined) => ({
  perSeriesAligner: a?.perSeriesAligner,
  crossSeriesReducer: a?.crossSeriesReducer,
  alignmentPeriod: a?.alignmentPeriod?.seconds,
});

test('with no points (wrong subscription, or no traffic yet) the backlog is unknown, not zero', async () => {
  const empty = await new MonitoringStandIn({}).start();
  const emptyClient = clientOf(empty.port);
  try {
    const figures = await cloudPipelineFigures(emptyClient, { project: 'shop', subscription: 'nope', service: 'orderflow-worker', now: NOW });
    assert.equal(figures.subscription, undefined);
    assert.match(figures.subscriptionNote!, /^unknown: Cloud Monitoring has no num_undelivered_messages for projects\/shop\/subscriptions\/nope/);
    assert.deepEqual(figures.workers, { service: 'orderflow-worker', instances: null, ackedPerSecond: null, asOf: null });
    assert.match(
      formatStatus({ ...figures, cloudWorkers: figures.workers, workers: [] }),
      /workers {7}service orderflow-worker: instances - {2}acked - {2}\(Cloud Monitoring, no points in the last 10 minutes\)/,
    );
  } finally {
    await emptyClient.close();
    await empty.stop();
  }
});

test('a refusal from Cloud Monitoring (no monitoring.viewer) reaches the caller as the API said it', async () => {
  const denied = await new MonitoringStandIn({}, { code: grpc.status.PERMISSION_DENIED, details: 'Permission monitoring.timeSeries.list denied' }).start();
  const deniedClient = clientOf(denied.port);
  try {
    await assert.rejects(
      cloudPipelineFigures(deniedClient, { project: 'shop', subscription: 'orders-worker', service: 'orderflow-worker', now: NOW }),
      /monitoring\.timeSeries\.list denied/,
    );
  } finally {
    await deniedClient.close();
    await denied.stop();
  }
});

test('dead letters by code and the last WAP runs are BigQuery SQL over the project datasets', async () => {
  const sent: string[] = [];
  const bigquery: BigQueryClient = {
    query: async (sql) => {
      sent.push(sql);
      assert.doesNotThrow(() => parseSql(sql, { dialect: 'bigquery' }), sql);
      return /dead_letter/.test(sql)
        ? [
            { error_code: 'schema', n: 3 },
            { error_code: 'delivery_exhausted', n: 1 },
          ]
        : [{ run_id: 'r2', status: 'published', dates: '2026-11-29,2026-11-30', finished_at: '2026-11-30 06:00:12.123456' }];
    },
    listTables: async (dataset) => (dataset === 'audit' ? ['batch_runs', 'work_orders'] : []),
    loadJson: async () => assert.fail('status loads nothing'),
  };
  const status = await warehouseStatus(new BigQueryWarehouse(bigquery, bigqueryTarget('shop')));
  assert.deepEqual(status, {
    deadLetters: { schema: 3, delivery_exhausted: 1 },
    wapRuns: [{ run_id: 'r2', status: 'published', dates: '2026-11-29,2026-11-30', finished_at: '2026-11-30T06:00:12Z' }],
  });
  assert.match(sent[0]!, /FROM `shop\.raw\.dead_letter`/);
  assert.match(sent[1]!, /FROM `shop\.audit\.batch_runs`/);
  assert.match(sent[1]!, /FORMAT_TIMESTAMP/);
});

test('status --engine bigquery without a project, or with --worker, says so in one line', async () => {
  const env = { GOOGLE_CLOUD_PROJECT: '' };
  const noProject = await runCli(['status', '--engine', 'bigquery'], { env });
  assert.equal(noProject.code, 2);
  assert.equal(noProject.stderr.trim(), 'orderflow: --engine bigquery needs --project (or $GOOGLE_CLOUD_PROJECT) (see --help)');
  const worker = await runCli(['status', '--engine', 'bigquery', '--project', 'shop', '--worker', 'http://127.0.0.1:1'], { env });
  assert.equal(worker.code, 2);
  assert.match(worker.stderr, /^orderflow: --worker is for a local stack/);
});

test(
  'status --engine bigquery without Google credentials: one line, exit 1, no stack trace',
  {
    skip: process.env.GOOGLE_APPLICATION_CREDENTIALS ? 'Google credentials are set here' : false,
  },
  async () => {
    // No metadata server (off GCP) and no key file: the client finds no credentials.
    const result = await runCli(['status', '--engine', 'bigquery', '--project', 'shop'], {
      env: { METADATA_SERVER_DETECTION: 'none', GOOGLE_APPLICATION_CREDENTIALS: '', CLOUDSDK_CONFIG: '/nonexistent', HOME: '/nonexistent' },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^orderflow: cannot reach Google Cloud for project shop: no usable Google credentials/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  },
);

test(
  'off Google Cloud, a metadata probe answered oddly (a proxy saying 403) adds no warning after the one line',
  {
    skip: process.env.GOOGLE_APPLICATION_CREDENTIALS ? 'Google credentials are set here' : false,
  },
  async () => {
    const proxy = createServer((_request, response) => response.writeHead(403).end());
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    try {
      const result = await runCli(['status', '--engine', 'bigquery', '--project', 'shop'], {
        env: {
          GCE_METADATA_HOST: `127.0.0.1:${(proxy.address() as AddressInfo).port}`,
          GOOGLE_APPLICATION_CREDENTIALS: '',
          CLOUDSDK_CONFIG: '/nonexistent',
          HOME: '/nonexistent',
        },
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^orderflow: cannot reach Google Cloud for project shop: no usable Google credentials[^\n]*\n$/);
    } finally {
      proxy.close();
    }
  },
);
