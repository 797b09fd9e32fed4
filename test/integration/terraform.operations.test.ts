import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Body, TerraformModule } from '../helpers/terraform.ts';
import { REPO, TERRAFORM_DIR, block, defaultOf, loadModule, resource } from '../helpers/terraform.ts';

/**
 * Google Cloud metric types the alerts and the dashboard use, each as listed in Google's metrics
 * reference (cloud.google.com/monitoring/api/metrics_gcp): a misspelt type makes a policy that never fires.
 */
const GOOGLE_METRICS = new Set([
  'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
  'pubsub.googleapis.com/subscription/num_undelivered_messages',
  'pubsub.googleapis.com/subscription/dead_letter_message_count',
  'pubsub.googleapis.com/subscription/ack_message_count',
  'pubsub.googleapis.com/topic/send_message_operation_count',
  'run.googleapis.com/container/instance_count',
  'run.googleapis.com/container/memory/utilizations',
  'run.googleapis.com/job/completed_execution_count',
]);
const ALERTS = ['backlog_age', 'dead_letters', 'worker_errors', 'wap_failed', 'wap_missed'];

let tf: TerraformModule;
before(async () => {
  tf = await loadModule();
});

const conditionsOf = (policy: Body) => policy.conditions as Body[];
const logMetricNames = () =>
  new Map(
    [...tf.resources].filter(([address]) => address.startsWith('google_logging_metric.')).map(([address, body]) => [address.split('.')[1]!, String(body.name)]),
  );

/** Every metric type a filter names, with `${google_logging_metric.X.name}` resolved to the declared name. */
function metricTypes(filter: string): string[] {
  const names = logMetricNames();
  return [...filter.matchAll(/metric\.type\s*=\s*\\?"([^"\\]+)\\?"/g)].map(([, type]) =>
    type!.replace(/\$\{google_logging_metric\.(\w+)\.name\}/, (_, name: string) => names.get(name) ?? `<undeclared ${name}>`),
  );
}

function assertReal(type: string, where: string): void {
  const user = /^logging\.googleapis\.com\/user\/(.+)$/.exec(type)?.[1];
  if (user) assert.ok([...logMetricNames().values()].includes(user), `${where}: log-based metric ${user} is not declared`);
  else assert.ok(GOOGLE_METRICS.has(type), `${where}: ${type} is not a Google Cloud metric this module knows`);
}

test('every alert exists, notifies var.notification_channels and watches a real metric', () => {
  const channels = tf.variables.get('notification_channels');
  assert.equal(channels?.type, '${list(string)}');
  assert.deepEqual(channels?.default, []);
  for (const name of ALERTS) {
    const policy = resource(tf, `google_monitoring_alert_policy.${name}`);
    assert.equal(policy.notification_channels, '${var.notification_channels}', name);
    assert.ok(block(policy, 'documentation').content, `${name} tells the operator what to do`);
    for (const condition of conditionsOf(policy)) {
      const threshold = (condition.condition_threshold as Body[] | undefined)?.[0];
      const promql = (condition.condition_prometheus_query_language as Body[] | undefined)?.[0];
      assert.ok(threshold ?? promql, `${name}: a threshold or PromQL condition`);
      if (threshold) {
        const types = metricTypes(String(threshold.filter));
        assert.equal(types.length, 1, `${name}: one metric per condition`);
        assertReal(types[0]!, name);
      }
    }
  }
  const [backlog] = conditionsOf(resource(tf, 'google_monitoring_alert_policy.backlog_age'));
  assert.match(String((backlog!.condition_threshold as Body[])[0]!.filter), /oldest_unacked_message_age/);
  assert.match(
    String((conditionsOf(resource(tf, 'google_monitoring_alert_policy.dead_letters'))[0]!.condition_threshold as Body[])[0]!.filter),
    /dead_letter_message_count/,
  );
});

test('the WAP alerts: a failed audit or execution, and no completed run by the deadline (PromQL over the log-based metric)', () => {
  const failed = conditionsOf(resource(tf, 'google_monitoring_alert_policy.wap_failed')).map((c) => String((c.condition_threshold as Body[])[0]!.filter));
  assert.ok(
    failed.some((filter) => /metric\.labels\.status="audit_failed"/.test(filter)),
    'audit_failed runs',
  );
  assert.ok(
    failed.some((filter) => /completed_execution_count.*metric\.labels\.result="failed"/.test(filter)),
    'failed executions',
  );

  const [missed] = conditionsOf(resource(tf, 'google_monitoring_alert_policy.wap_missed'));
  const query = String((missed!.condition_prometheus_query_language as Body[])[0]!.query);
  assert.match(
    query,
    /^absent_over_time\(\$\{local\.wap_runs_promql\}\{monitored_resource="cloud_run_job",status=~"published\|no_work"\}\[\$\{var\.wap_deadline_hours\}h\]\)$/,
  );
  // Cloud Monitoring's PromQL name of user metric orderflow/wap_runs.
  assert.equal(tf.locals.wap_runs_promql, 'logging_googleapis_com:user_${replace(google_logging_metric.wap_runs.name, "/", "_")}');
  assert.equal(resource(tf, 'google_logging_metric.wap_runs').name, 'orderflow/wap_runs');
  assert.ok(Number(defaultOf(tf, '${var.wap_deadline_hours}')) > 24, 'a daily run must not alert every day');
});

test('the log-based metrics match the JSON lines the code writes', () => {
  const wap = resource(tf, 'google_logging_metric.wap_runs');
  assert.match(String(wap.filter), /jsonPayload\.message=~"\^batch run "/);
  assert.deepEqual(wap.label_extractors, { status: 'EXTRACT(jsonPayload.status)' });
  const batchCli = readFileSync(join(REPO, 'cli/commands/batch.ts'), 'utf8');
  assert.match(batchCli, /logger\.info\(summary, `batch run \$\{result\.status\}`\)/, 'the summary line the metric counts');
  assert.match(batchCli, /const summary = \{\s*run_id: result\.runId,\s*status: result\.status,/);
  const job = readFileSync(join(REPO, 'batch/job.ts'), 'utf8');
  for (const status of ['published', 'no_work', 'audit_failed', 'audited']) assert.ok(job.includes(`'${status}'`), `batch/job.ts has status ${status}`);

  const errors = resource(tf, 'google_logging_metric.worker_errors');
  assert.match(String(errors.filter), /severity>=ERROR/);
  assert.match(readFileSync(join(REPO, 'common/logger.ts'), 'utf8'), /error: 'ERROR'/, 'the logger writes severity ERROR');
  assert.match(String(errors.filter), /resource\.labels\.service_name="\$\{google_cloud_run_v2_service\.worker\.name\}"/);
});

test('the dashboard renders to JSON whose every chart is a real metric of this deploy', () => {
  const dashboard = resource(tf, 'google_monitoring_dashboard.pipeline');
  const call = /^\$\{templatefile\("\$\{path\.module\}\/templates\/(dashboard\.json\.tftpl)", \{([^}]*)\}\)\}$/.exec(String(dashboard.dashboard_json));
  assert.ok(call, String(dashboard.dashboard_json));
  const template = readFileSync(join(TERRAFORM_DIR, 'templates', call[1]!), 'utf8');
  const given = new Map([...call[2]!.matchAll(/^\s*(\w+)\s*=\s*(\S+)\s*$/gm)].map((m) => [m[1]!, m[2]!]));
  const used = new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!));
  assert.deepEqual([...used].sort(), [...given.keys()].sort(), 'templatefile() fails on any placeholder it is not given');
  const names = logMetricNames();
  const rendered = template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = given.get(name)!;
    const metric = /^google_logging_metric\.(\w+)\.name$/.exec(value)?.[1];
    return metric ? names.get(metric)! : `${name}-value`;
  });
  const tiles = (
    JSON.parse(rendered) as {
      mosaicLayout: { tiles: { widget: { title: string; xyChart: { dataSets: { timeSeriesQuery: { timeSeriesFilter: { filter: string } } }[] } } }[] };
    }
  ).mosaicLayout.tiles;
  const charted = tiles.flatMap((tile) => tile.widget.xyChart.dataSets.flatMap((set) => metricTypes(set.timeSeriesQuery.timeSeriesFilter.filter)));
  for (const type of charted) assertReal(type, 'dashboard');
  for (const needed of [
    'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
    'pubsub.googleapis.com/subscription/dead_letter_message_count',
    'logging.googleapis.com/user/orderflow/wap_runs',
    'logging.googleapis.com/user/orderflow/worker_errors',
  ]) {
    assert.ok(charted.includes(needed), `the dashboard charts ${needed}`);
  }
});

test('images run by digest from a repository with immutable tags, whose cleanup cannot remove a deployed image', () => {
  assert.equal(tf.locals.image, '${var.image_digest == null ? null : "${local.repository}/orderflow@${var.image_digest}"}');
  assert.ok(!tf.variables.has('image_tag'), 'no mutable tag to deploy by');
  const repository = resource(tf, 'google_artifact_registry_repository.orderflow');
  assert.equal(block(repository, 'docker_config').immutable_tags, true);
  const policies = repository.cleanup_policies as Body[];
  const deletes = policies.filter((p) => p.action === 'DELETE');
  // Only untagged images are ever deleted, and a deployed image keeps its (immutable) tag.
  for (const policy of deletes) assert.equal(block(policy, 'condition').tag_state, 'UNTAGGED');
  assert.ok(
    policies.some((p) => p.action === 'KEEP' && block(p, 'most_recent_versions').keep_count),
    'the most recent images are kept',
  );
});

test('the WAP job retries as Cloud Run advises (3)', () => {
  assert.equal(defaultOf(tf, '${var.wap_max_retries}'), 3);
  const task = block(block(resource(tf, 'google_cloud_run_v2_job.wap'), 'template'), 'template');
  assert.equal(task.max_retries, '${var.wap_max_retries}');
});
