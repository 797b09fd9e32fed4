import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { TerraformModule } from '../helpers/terraform.ts';
import { REPO, loadModule } from '../helpers/terraform.ts';

/** The predefined role that lets a deployer create (and grant on) each kind of resource in terraform/. */
const ROLE_FOR: [RegExp, string][] = [
  [/^google_project_service$/, 'roles/serviceusage.serviceUsageAdmin'],
  [/^google_service_account$/, 'roles/iam.serviceAccountAdmin'],
  [/^google_project_iam_member$/, 'roles/resourcemanager.projectIamAdmin'],
  [/^google_pubsub_/, 'roles/pubsub.admin'],
  [/^google_bigquery_/, 'roles/bigquery.admin'],
  [/^google_storage_bucket/, 'roles/storage.admin'],
  [/^google_artifact_registry_/, 'roles/artifactregistry.admin'],
  [/^google_cloud_run_v2_/, 'roles/run.admin'],
  [/^google_cloud_scheduler_job$/, 'roles/cloudscheduler.admin'],
  [/^google_compute_instance$/, 'roles/compute.instanceAdmin.v1'],
  [/^google_logging_metric$/, 'roles/logging.configWriter'],
  [/^google_monitoring_/, 'roles/monitoring.editor'],
];

let tf: TerraformModule;
before(async () => {
  tf = await loadModule();
});

test('docs/deploy.md lists a role for every kind of resource terraform/ creates, and actAs for what runs as a service account', () => {
  const guide = readFileSync(join(REPO, 'docs/deploy.md'), 'utf8');
  const section = guide.slice(guide.indexOf('#### Roles for a deployer who is not Owner'), guide.indexOf('### 1.'));
  const listed = new Set([...section.matchAll(/^\| `(roles\/[\w.]+)` \|/gm)].map((m) => m[1]!));
  const types = new Set([...tf.resources.keys()].map((address) => address.split('.')[0]!));
  for (const type of types) {
    const role = ROLE_FOR.find(([pattern]) => pattern.test(type))?.[1];
    assert.ok(role, `no deployer role known for ${type}: add it here and to docs/deploy.md`);
    assert.ok(listed.has(role), `docs/deploy.md does not list ${role} (for ${type})`);
  }
  const runsAs = [...tf.resources].filter(([, body]) =>
    /"(service_account|service_account_email|email)":"\$\{google_service_account\.\w+\.email\}"/.test(JSON.stringify(body)),
  );
  assert.ok(runsAs.length > 0);
  assert.ok(listed.has('roles/iam.serviceAccountUser'), 'deploying a resource that runs as a service account needs iam.serviceAccounts.actAs');
  for (const role of listed)
    assert.ok(ROLE_FOR.some(([, known]) => known === role) || role === 'roles/iam.serviceAccountUser', `${role} is listed but nothing needs it`);
});
