import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Body, TerraformModule } from '../helpers/terraform.ts';
import { block, dynamicBlock, loadModule, resource } from '../helpers/terraform.ts';
import { PUSH_BATCH_MAX_AGE_MS } from '../../streaming/pipeline/micro-batcher.ts';

// Terraform creates a resource after everything it refers to or lists in depends_on; the worker's
// revision becomes ready only once its subscription and grants work (streaming/startup-wait.ts). These
// checks follow the same references over the parsed HCL, for each worker_mode, without a provider.

type Mode = 'pull' | 'push';
const SERVICE = 'google_cloud_run_v2_service.worker';
const SUBSCRIPTION = 'google_pubsub_subscription.orders_worker';

let tf: TerraformModule;
before(async () => {
  tf = await loadModule();
});

/** Resource addresses an expression text refers to, following `local.x` through the locals. */
function referencesIn(text: string, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  for (const [, address] of text.matchAll(/\b((?:google|data\.google)_[a-z0-9_]+\.[a-z0-9_]+)/g)) found.add(address!);
  for (const [, name] of text.matchAll(/\blocal\.(\w+)/g)) {
    if (seen.has(name!)) continue;
    seen.add(name!);
    for (const address of referencesIn(JSON.stringify(tf.locals[name!] ?? ''), seen)) found.add(address);
  }
  return found;
}

/** Whether a resource exists in `mode`, from a count of the form `local.push_mode ? a : b`. */
function exists(body: Body, mode: Mode): boolean {
  if (body.count === undefined) return true;
  const match = /^\$\{local\.push_mode \? (\d+) : (\d+)\}$/.exec(String(body.count));
  assert.ok(match, `count ${String(body.count)} is not a worker_mode switch`);
  return Number(mode === 'push' ? match[1] : match[2]) > 0;
}

/** address -> the addresses it waits for, among the resources that exist in `mode`. */
function graph(mode: Mode): Map<string, Set<string>> {
  const present = new Set([...tf.resources].filter(([, body]) => exists(body, mode)).map(([address]) => address));
  const edges = new Map<string, Set<string>>();
  for (const address of present) {
    const waits = [...referencesIn(JSON.stringify(resource(tf, address)))].filter((other) => other !== address && present.has(other));
    edges.set(address, new Set(waits));
  }
  return edges;
}

/** Everything `address` waits for, directly or not. */
function upstream(edges: Map<string, Set<string>>, address: string): Set<string> {
  const found = new Set<string>();
  const visit = (from: string) => {
    for (const next of edges.get(from) ?? []) {
      if (found.has(next)) continue;
      found.add(next);
      visit(next);
    }
  };
  visit(address);
  return found;
}

for (const mode of ['pull', 'push'] as const) {
  test(`${mode} mode: the dependency graph has no cycle, and the subscription does not wait for the service`, () => {
    const edges = graph(mode);
    for (const address of edges.keys()) assert.ok(!upstream(edges, address).has(address), `${address} waits for itself`);
    assert.ok(!upstream(edges, SUBSCRIPTION).has(SERVICE), `${SUBSCRIPTION} refers to the service`);
  });

  test(`${mode} mode: the worker service is created after its subscription, its table grants and, in pull mode, its subscriber grant`, () => {
    const edges = graph(mode);
    const waits = upstream(edges, SERVICE);
    const needed = [SUBSCRIPTION, 'google_bigquery_table_iam_member.worker_raw_writer', 'google_bigquery_table.raw'];
    if (mode === 'pull') needed.push('google_pubsub_subscription_iam_member.worker_subscriber');
    for (const address of needed) assert.ok(waits.has(address), `${SERVICE} does not wait for ${address}`);
    assert.equal(edges.has('google_pubsub_subscription_iam_member.worker_subscriber'), mode === 'pull');
  });
}

test('push mode: the generator publishes only once the worker serves and Pub/Sub may call it', () => {
  const edges = graph('push');
  const waits = upstream(edges, 'google_compute_instance.generator');
  for (const address of [SERVICE, 'google_cloud_run_v2_service_iam_member.push_invoker'])
    assert.ok(waits.has(address), `the generator does not wait for ${address}`);
});

test("push mode: the endpoint is the service's deterministic URL, and token audience and identity are the ones the worker requires", () => {
  assert.equal(tf.locals.worker_url, 'https://${local.worker_service_name}-${data.google_project.this.number}.${var.region}.run.app');
  assert.equal(resource(tf, SERVICE).name, '${local.worker_service_name}');
  const push = dynamicBlock(resource(tf, SUBSCRIPTION), 'push_config');
  assert.equal(push.forEach, '${local.push_mode ? [local.worker_url] : []}');
  const oidc = block(push.content, 'oidc_token');
  assert.equal(oidc.audience, '${local.push_audience}');
  assert.equal(oidc.service_account_email, '${google_service_account.push_invoker[0].email}');

  const pushEnv = String(tf.locals.worker_push_env);
  assert.match(pushEnv, /^\$\{local\.push_mode \? \{/);
  assert.match(pushEnv, /ORDERFLOW_PUSH_AUDIENCE\s*=\s*local\.push_audience\b/);
  assert.match(pushEnv, /ORDERFLOW_PUSH_SERVICE_ACCOUNT\s*=\s*one\(google_service_account\.push_invoker\[\*\]\.email\)/);
  // Push micro-batches wait up to 100 ms for connections whose next request is on its way (docs/worker.md).
  assert.match(pushEnv, new RegExp(`ORDERFLOW_BATCH_MAX_AGE_MS\\s*=\\s*"${PUSH_BATCH_MAX_AGE_MS}"`));
  assert.match(String(tf.locals.worker_env), /\}, local\.worker_push_env, var\.worker_extra_env\)\}$/);
  assert.equal(resource(tf, SERVICE).custom_audiences, '${local.push_mode ? [local.push_audience] : null}');
});
