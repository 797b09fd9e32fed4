import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseSql } from 'sql-parser-cst';
import type { Body, TerraformModule } from '../helpers/terraform.ts';
import { WORKER_RUNTIME_ENV } from '../../streaming/runtime-env.ts';
import { DEFAULT_TIME_ZONE } from '../../batch/dialect.ts';
import { DEFAULT_SAFETY_WINDOW_MS } from '../../batch/defaults.ts';
import { REPO, TERRAFORM_DIR, block, defaultOf, dynamicBlock, loadModule, localOf, resource } from '../helpers/terraform.ts';

interface Manifest {
  dataset: string;
  tables: Record<string, { schema: string; partition: { field: string; type: string }; cluster: string[] }>;
}
interface Field {
  name: string;
}

const SCHEMAS = join(REPO, 'schemas');
const manifest = JSON.parse(readFileSync(join(SCHEMAS, 'tables.json'), 'utf8')) as Manifest;
const VIEWS = ['orders_current', 'order_items_current', 'order_payments_current'];

let tf: TerraformModule;
before(async () => {
  tf = await loadModule();
});

/** Turns `${local.schemas_dir}/x` into a path on disk, as Terraform would in this module. */
function onDisk(pathExpression: string): string {
  const schemasDir = String(tf.locals.schemas_dir).replace('${path.module}', TERRAFORM_DIR);
  return resolve(pathExpression.replace('${local.schemas_dir}', schemasDir).replace('${path.module}', TERRAFORM_DIR));
}

test('every named resource of the deploy exists with its name', () => {
  const named: [string, string, string][] = [
    ['google_pubsub_topic.orders', 'name', 'orders'],
    ['google_pubsub_topic.dead_letter', 'name', 'orders-dead-letter'],
    ['google_pubsub_subscription.orders_worker', 'name', 'orders-worker'],
    ['google_bigquery_dataset.audit', 'dataset_id', 'audit'],
    ['google_bigquery_dataset.mart', 'dataset_id', 'mart'],
    ['google_artifact_registry_repository.orderflow', 'format', 'DOCKER'],
    ['google_cloud_run_v2_service.worker', 'name', 'orderflow-worker'],
    ['google_cloud_run_v2_job.wap', 'name', 'orderflow-wap'],
    ['google_compute_instance.generator', 'name', 'orderflow-generator'],
  ];
  for (const [address, attribute, value] of named) {
    assert.equal(localOf(tf, resource(tf, address)[attribute]), value, `${address}.${attribute}`);
  }
  assert.equal(resource(tf, 'google_bigquery_dataset.raw').dataset_id, '${local.raw_manifest.dataset}');
  assert.equal(manifest.dataset, 'raw');
  assert.equal(resource(tf, 'google_pubsub_subscription.dead_letter').topic, '${google_pubsub_topic.dead_letter.id}');
  assert.ok(resource(tf, 'google_cloud_scheduler_job.wap_daily'));
  assert.ok(resource(tf, 'google_storage_bucket.orderflow'));
});

test('the raw tables are one per manifest entry, with columns, partitioning and clustering from schemas/', () => {
  assert.match(String(tf.locals.raw_manifest), /^\$\{jsondecode\(file\("\$\{local\.schemas_dir\}\/tables\.json"\)\)\}$/);
  assert.equal(onDisk('${local.schemas_dir}/tables.json'), join(SCHEMAS, 'tables.json'));

  const raw = resource(tf, 'google_bigquery_table.raw');
  assert.equal(raw.for_each, '${local.raw_manifest.tables}');
  assert.equal(raw.table_id, '${each.key}');
  assert.equal(raw.schema, '${file("${local.schemas_dir}/${each.value.schema}")}');
  assert.equal(raw.clustering, '${each.value.cluster}');
  const partitioning = block(raw, 'time_partitioning');
  assert.equal(partitioning.field, '${each.value.partition.field}');
  assert.equal(partitioning.type, '${each.value.partition.type}');
  assert.match(String(partitioning.expiration_ms), /var\.raw_partition_expiration_days/);

  for (const [table, entry] of Object.entries(manifest.tables)) {
    const path = onDisk(`\${local.schemas_dir}/${entry.schema}`);
    assert.ok(existsSync(path), `${table}: ${entry.schema} is missing`);
    const fields = JSON.parse(readFileSync(path, 'utf8')) as Field[];
    assert.ok(
      fields.some((field) => field.name === entry.partition.field),
      `${table} is partitioned on a column it lacks`,
    );
    for (const column of entry.cluster)
      assert.ok(
        fields.some((field) => field.name === column),
        `${table} clusters on ${column}, not a column`,
      );
  }
});

test('no .tf file restates a raw column', () => {
  const columns = new Set<string>();
  for (const entry of Object.values(manifest.tables)) {
    for (const field of JSON.parse(readFileSync(join(SCHEMAS, entry.schema), 'utf8')) as Field[]) columns.add(field.name);
  }
  for (const [file, text] of tf.sources) {
    for (const column of columns) assert.ok(!text.includes(`"${column}"`), `${file} restates the column ${column}`);
  }
});

test('the *_current views are built from schemas/current-views/<view>.sql, valid BigQuery SQL', () => {
  const views = resource(tf, 'google_bigquery_table.current');
  assert.equal(views.for_each, '${local.current_views}');
  for (const view of VIEWS) assert.match(String(tf.locals.current_views), new RegExp(`"${view}"`));
  const view = block(views, 'view');
  assert.equal(view.use_legacy_sql, false);
  const query = String(view.query);
  const templateCall = /^\$\{templatefile\("([^"]+)", \{([^}]*)\}\)\}$/.exec(query);
  assert.ok(templateCall, `query is not a templatefile() call: ${query}`);
  assert.match(templateCall[2]!, /\bproject = var\.project_id\b/);
  assert.match(templateCall[2]!, /\bdataset = google_bigquery_dataset\.raw\.dataset_id\b/);

  for (const name of VIEWS) {
    const path = onDisk(templateCall[1]!.replace('${each.key}', name));
    assert.ok(existsSync(path), `${name}: ${path} is missing`);
    const template = readFileSync(path, 'utf8');
    // templatefile() fails on any placeholder it is not given.
    const placeholders = new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]));
    assert.deepEqual([...placeholders].sort(), ['dataset', 'project'], name);
    assert.match(
      template,
      /QUALIFY ROW_NUMBER\(\) OVER \(\s*PARTITION BY order_id\s*ORDER BY COALESCE\(event_sequence, 0\) DESC, event_time DESC, publish_time DESC, event_id DESC/,
    );
    const sql = template.replaceAll('${project}', 'my-project').replaceAll('${dataset}', 'raw');
    assert.doesNotThrow(() => parseSql(sql, { dialect: 'bigquery' }), name);
  }
});

test('orders-worker retries with exponential backoff, then dead-letters to a subscribed topic', () => {
  const subscription = resource(tf, 'google_pubsub_subscription.orders_worker');
  assert.equal(subscription.topic, '${google_pubsub_topic.orders.id}');
  assert.ok(Number(defaultOf(tf, subscription.ack_deadline_seconds)) >= 10);
  assert.match(String(defaultOf(tf, subscription.message_retention_duration)), /^\d+s$/);

  const retry = block(subscription, 'retry_policy');
  const [minimum, maximum] = [retry.minimum_backoff, retry.maximum_backoff].map((value) => parseInt(String(defaultOf(tf, value)), 10));
  assert.ok(minimum! > 0 && minimum! < maximum! && maximum! <= 600, `backoff ${minimum}s..${maximum}s`);

  const deadLetter = block(subscription, 'dead_letter_policy');
  assert.equal(deadLetter.dead_letter_topic, '${google_pubsub_topic.dead_letter.id}');
  const attempts = Number(defaultOf(tf, deadLetter.max_delivery_attempts));
  assert.ok(attempts >= 5 && attempts <= 100, `max_delivery_attempts ${attempts}`);
});

test('the push option sends deliveries to the worker with an OIDC token', () => {
  const push = dynamicBlock(resource(tf, 'google_pubsub_subscription.orders_worker'), 'push_config');
  assert.match(String(push.forEach), /local\.push_mode/);
  // The worker's deterministic URL (terraform.first-apply.test.ts): the same service, no reference to it.
  assert.match(String(push.forEach), /local\.worker_url/);
  assert.equal(push.content.push_endpoint, '${push_config.value}${var.worker_push_path}');
  const oidc = block(push.content, 'oidc_token');
  assert.equal(oidc.service_account_email, '${google_service_account.push_invoker[0].email}');
  assert.equal(oidc.audience, '${local.push_audience}');
});

test('the Pub/Sub service agent may publish dead letters and ack them on the source subscription', () => {
  assert.match(
    String(tf.locals.pubsub_service_agent),
    /^serviceAccount:service-\$\{data\.google_project\.this\.number\}@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/,
  );
  const publisher = resource(tf, 'google_pubsub_topic_iam_member.dead_letter_agent_publisher');
  assert.deepEqual(
    [publisher.topic, publisher.role, publisher.member],
    ['${google_pubsub_topic.dead_letter.name}', 'roles/pubsub.publisher', '${local.pubsub_service_agent}'],
  );
  const subscriber = resource(tf, 'google_pubsub_subscription_iam_member.dead_letter_agent_subscriber');
  assert.deepEqual(
    [subscriber.subscription, subscriber.role, subscriber.member],
    ['${google_pubsub_subscription.orders_worker.name}', 'roles/pubsub.subscriber', '${local.pubsub_service_agent}'],
  );
});

test('the bucket has uniform access and a lifecycle rule', () => {
  const bucket = resource(tf, 'google_storage_bucket.orderflow');
  assert.equal(bucket.uniform_bucket_level_access, true);
  assert.equal(bucket.public_access_prevention, 'enforced');
  const rule = block(bucket, 'lifecycle_rule');
  assert.equal(block(rule, 'action').type, 'Delete');
  assert.ok(block(rule, 'condition').age);
});

/** The variables a container gets: name -> the expression text Terraform evaluates. */
function envOf(body: Body): Record<string, string> {
  const expression = String(localOf(tf, dynamicBlock(body, 'env').forEach));
  assert.match(expression, /^\$\{merge\(\{/, 'env is a merge() of the defaults and the extra variables');
  return Object.fromEntries([...expression.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.+)$/gm)].map((match) => [match[1], match[2]!.trim()]));
}

test('the worker runs pull-ready on Cloud Run: CPU always allocated, scaling bounds, concurrency, env, probes', () => {
  const worker = resource(tf, 'google_cloud_run_v2_service.worker');
  const template = block(worker, 'template');
  assert.equal(template.service_account, '${google_service_account.worker.email}');
  // Push mode: a micro-batch holds at most the open requests, so an instance takes 250 (docs/worker.md).
  assert.equal(template.max_instance_request_concurrency, '${local.worker_concurrency}');
  assert.equal(tf.locals.worker_concurrency, '${coalesce(var.worker_concurrency, local.push_mode ? 250 : 80)}');
  const scaling = block(template, 'scaling');
  assert.ok(Number(defaultOf(tf, scaling.min_instance_count)) >= 1, 'pull mode needs a running instance');
  assert.ok(Number(defaultOf(tf, scaling.max_instance_count)) >= Number(defaultOf(tf, scaling.min_instance_count)));

  const container = block(template, 'containers');
  assert.deepEqual(container.args, ['worker']);
  assert.equal(container.image, '${local.image}');
  // cpu_idle = false keeps the CPU allocated between requests; it is false unless in push mode.
  assert.equal(block(container, 'resources').cpu_idle, '${local.push_mode}');
  assert.equal(tf.locals.push_mode, '${var.worker_mode == "push"}');
  assert.equal(defaultOf(tf, '${var.worker_mode}'), 'pull');

  assert.deepEqual(envOf(container), {
    ORDERFLOW_PROJECT: 'var.project_id',
    ORDERFLOW_SUBSCRIPTION: 'local.subscription_name',
    ORDERFLOW_DEAD_LETTER_SUBSCRIPTION: 'local.dead_letter_subscription_name',
    ORDERFLOW_MODE: 'var.worker_mode',
    ORDERFLOW_SINK: '"bigquery"',
    ORDERFLOW_STARTUP_WAIT: '"220"',
    // The same runtime environment as local workers and the RSS benchmark run with.
    ...Object.fromEntries(Object.entries(WORKER_RUNTIME_ENV).map(([name, value]) => [name, JSON.stringify(value)])),
  });
  assert.equal(tf.locals.subscription_name, 'orders-worker');
  assert.equal(tf.locals.dead_letter_subscription_name, 'orders-dead-letter');
  // Cloud Run reserves paths ending in z.
  assert.equal(block(block(container, 'liveness_probe'), 'http_get').path, '/health');
  const startup = block(container, 'startup_probe');
  assert.equal(block(startup, 'http_get').path, '/ready');
  // The probe outlasts the worker's start-up wait for its grants.
  assert.ok(Number(startup.period_seconds) * Number(startup.failure_threshold) > Number(JSON.parse(envOf(container).ORDERFLOW_STARTUP_WAIT!)));
});

test('the WAP job runs `batch run` on BigQuery, fired daily at 01:00 UTC by the scheduler', () => {
  const job = resource(tf, 'google_cloud_run_v2_job.wap');
  const task = block(block(job, 'template'), 'template');
  assert.equal(task.service_account, '${google_service_account.wap.email}');
  const container = block(task, 'containers');
  assert.deepEqual(container.args, ['batch', 'run']);
  assert.deepEqual(envOf(container), {
    ORDERFLOW_PROJECT: 'var.project_id',
    ORDERFLOW_ENGINE: '"bigquery"',
    ORDERFLOW_DIMS: '"${google_storage_bucket.orderflow.url}/dims"',
    ORDERFLOW_REPORTS: '"${google_storage_bucket.orderflow.url}/audit-reports"',
    ORDERFLOW_TIME_ZONE: 'var.business_time_zone',
    ORDERFLOW_SAFETY_WINDOW_MINUTES: 'tostring(var.wap_safety_window_minutes)',
  });
  // The business time zone and the safety window default to the CLI's own defaults.
  assert.equal(defaultOf(tf, '${var.business_time_zone}'), DEFAULT_TIME_ZONE);
  assert.equal(Number(defaultOf(tf, '${var.wap_safety_window_minutes}')) * 60_000, DEFAULT_SAFETY_WINDOW_MS);

  const schedule = resource(tf, 'google_cloud_scheduler_job.wap_daily');
  assert.equal(defaultOf(tf, schedule.schedule), '0 1 * * *');
  assert.equal(defaultOf(tf, schedule.time_zone), 'Etc/UTC');
  const target = block(schedule, 'http_target');
  assert.equal(target.uri, 'https://run.googleapis.com/v2/${google_cloud_run_v2_job.wap.id}:run');
  assert.equal(block(target, 'oauth_token').service_account_email, '${google_service_account.scheduler.email}');
});

test('the generator VM is small and runs `orderflow generate` as a restarting service', () => {
  const vm = resource(tf, 'google_compute_instance.generator');
  assert.match(String(defaultOf(tf, vm.machine_type)), /^(e2-(micro|small|medium)|f1-micro|g1-small)$/);
  assert.equal(block(vm, 'service_account').email, '${google_service_account.generator.email}');
  const userData = String((vm.metadata as Body)['user-data']);
  const call = /^\$\{templatefile\("([^"]+)", \{([^}]*)\}\)\}$/.exec(userData);
  assert.ok(call, userData);
  const cloudInit = readFileSync(onDisk(call[1]!), 'utf8');
  // templatefile() fails on any placeholder it is not given.
  const given = [...call[2]!.matchAll(/^\s*(\w+)\s*=/gm)].map((match) => match[1]).sort();
  const used = [...new Set([...cloudInit.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]))].sort();
  assert.deepEqual(used, given);
  assert.match(cloudInit, /^#cloud-config/);
  assert.match(cloudInit, /docker run .*\$\{image\} generate --out pubsub --topic \$\{topic\} --project \$\{project\} --rate \$\{rate\} --real-time/);
  assert.match(cloudInit, /^\s*Restart=always$/m);
});

test('every variable is documented, and the tfvars example sets only declared ones, all required ones included', async () => {
  for (const [name, variable] of tf.variables) {
    assert.ok(variable.description && variable.type, `variable ${name} needs a description and a type`);
  }
  const example = (await parseHcl('terraform.tfvars.example', readFileSync(join(TERRAFORM_DIR, 'terraform.tfvars.example'), 'utf8'))) as Body;
  for (const name of Object.keys(example)) assert.ok(tf.variables.has(name), `terraform.tfvars.example sets undeclared ${name}`);
  for (const [name, variable] of tf.variables) {
    if (!('default' in variable)) assert.ok(name in example, `terraform.tfvars.example lacks the required ${name}`);
  }
});
