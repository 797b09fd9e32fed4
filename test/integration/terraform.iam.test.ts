import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Body, TerraformModule } from '../helpers/terraform.ts';
import { loadModule } from '../helpers/terraform.ts';

// Resources that run code or call Google APIs under an identity of their own.
const COMPONENTS = [
  'google_cloud_run_v2_service',
  'google_cloud_run_v2_job',
  'google_cloud_scheduler_job',
  'google_compute_instance',
  'google_pubsub_subscription',
];

let tf: TerraformModule;
before(async () => {
  tf = await loadModule();
});

function ofType(pattern: RegExp): [string, Body][] {
  return [...tf.resources].filter(([address]) => pattern.test(address.split('.')[0]!));
}

const grants = () => ofType(/_iam_(member|binding|policy)$/);

test('every grant is additive and names its role literally', () => {
  assert.ok(grants().length > 0);
  for (const [address, body] of grants()) {
    assert.match(address, /_iam_member\./, `${address}: _iam_binding/_iam_policy would overwrite grants made outside Terraform`);
    assert.match(String(body.role), /^roles\/[\w.]+$/, `${address}: role must be a literal so it can be reviewed`);
  }
});

test('no grant of roles/editor or roles/owner, anywhere', () => {
  for (const [address, body] of grants()) {
    assert.ok(!['roles/editor', 'roles/owner'].includes(String(body.role)), `${address} grants ${String(body.role)}`);
  }
  for (const [file, text] of tf.sources) assert.doesNotMatch(text, /roles\/(editor|owner)\b/, file);
});

test('every service account is used by exactly one component (push_invoker: the two push subscriptions), and every component runs as one', () => {
  const accounts = ofType(/^google_service_account$/).map(([address]) => address.split('.')[1]!);
  assert.deepEqual(accounts.sort(), ['generator', 'push_invoker', 'scheduler', 'wap', 'worker']);
  const components = [...tf.resources].filter(([address]) => COMPONENTS.includes(address.split('.')[0]!));
  for (const account of accounts) {
    const users = components.filter(([, body]) => JSON.stringify(body).includes(`google_service_account.${account}`)).map(([address]) => address);
    // In push mode both subscriptions call the worker service: orders on /, dead letters on /dead-letters.
    if (account === 'push_invoker') assert.deepEqual(users.sort(), ['google_pubsub_subscription.dead_letter', 'google_pubsub_subscription.orders_worker']);
    else assert.equal(users.length, 1, `${account} is used by ${users.join(', ') || 'nothing'}`);
  }
  for (const [address, body] of components) {
    const used = new Set([...JSON.stringify(body).matchAll(/google_service_account\.(\w+)/g)].map((match) => match[1]));
    const runsCode = !address.startsWith('google_pubsub_subscription.');
    assert.ok(used.size <= 1, `${address} uses ${[...used].join(', ')}`);
    if (runsCode) assert.equal(used.size, 1, `${address} runs as no service account of its own`);
  }
});

/** Who gets what on which resource: `role on target`, keyed by the service account granted. */
function grantsByAccount(): Record<string, string[]> {
  const byAccount: Record<string, string[]> = {};
  for (const [address, body] of grants()) {
    const account = /^\$\{google_service_account\.(\w+)(\[0\])?\.member\}$/.exec(String(body.member))?.[1];
    if (!account) continue;
    const target = body.for_each ?? body.subscription ?? body.topic ?? body.dataset_id ?? body.bucket ?? body.repository ?? body.name ?? body.project;
    (byAccount[account] ??= []).push(`${address.split('.')[0]} ${String(body.role)} on ${String(target)}`);
  }
  for (const list of Object.values(byAccount)) list.sort();
  return byAccount;
}

test('each component gets only what its job needs, on the narrowest resource', () => {
  assert.deepEqual(grantsByAccount(), {
    worker: [
      'google_bigquery_table_iam_member roles/bigquery.dataEditor on ${google_bigquery_table.raw}',
      'google_pubsub_subscription_iam_member roles/pubsub.subscriber on ${google_pubsub_subscription.dead_letter.name}',
      'google_pubsub_subscription_iam_member roles/pubsub.subscriber on ${google_pubsub_subscription.orders_worker.name}',
    ],
    wap: [
      'google_bigquery_dataset_iam_member roles/bigquery.dataEditor on ${google_bigquery_dataset.audit.dataset_id}',
      'google_bigquery_dataset_iam_member roles/bigquery.dataEditor on ${google_bigquery_dataset.mart.dataset_id}',
      'google_bigquery_dataset_iam_member roles/bigquery.dataViewer on ${google_bigquery_dataset.raw.dataset_id}',
      'google_project_iam_member roles/bigquery.jobUser on ${var.project_id}',
      'google_storage_bucket_iam_member roles/storage.objectUser on ${google_storage_bucket.orderflow.name}',
    ],
    scheduler: ['google_cloud_run_v2_job_iam_member roles/run.invoker on ${google_cloud_run_v2_job.wap.name}'],
    generator: [
      'google_artifact_registry_repository_iam_member roles/artifactregistry.reader on ${google_artifact_registry_repository.orderflow.name}',
      'google_project_iam_member roles/logging.logWriter on ${var.project_id}',
      'google_pubsub_topic_iam_member roles/pubsub.publisher on ${google_pubsub_topic.orders.name}',
    ],
    push_invoker: ['google_cloud_run_v2_service_iam_member roles/run.invoker on ${google_cloud_run_v2_service.worker.name}'],
  });
});

test('the worker writes only the raw tables the manifest declares', () => {
  const writer = tf.resources.get('google_bigquery_table_iam_member.worker_raw_writer');
  assert.ok(writer);
  assert.equal(writer.for_each, '${google_bigquery_table.raw}');
  assert.equal(tf.resources.get('google_bigquery_table.raw')?.for_each, '${local.raw_manifest.tables}');
});
