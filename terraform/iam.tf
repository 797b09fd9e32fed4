# One service account per component, each granted only what that component does, on the
# narrowest resource that carries the permission. Every grant is additive (_iam_member):
# Terraform never rewrites a policy others may depend on.

resource "google_service_account" "worker" {
  account_id   = "orderflow-worker"
  display_name = "orderflow worker (Cloud Run service)"
}

resource "google_service_account" "wap" {
  account_id   = "orderflow-wap"
  display_name = "orderflow WAP job (Cloud Run job)"
}

resource "google_service_account" "scheduler" {
  account_id   = "orderflow-scheduler"
  display_name = "orderflow scheduler (starts the WAP job)"
}

resource "google_service_account" "generator" {
  account_id   = "orderflow-generator"
  display_name = "orderflow generator (Compute Engine VM)"
}

resource "google_service_account" "push_invoker" {
  count        = local.push_mode ? 1 : 0
  account_id   = "orderflow-push"
  display_name = "orderflow push subscription (OIDC identity calling the worker)"
}

# Worker: subscribe to orders-worker, write rows into the raw tables. It creates nothing:
# tables and views come from this module, and the Storage Write API needs no BigQuery job.

resource "google_pubsub_subscription_iam_member" "worker_subscriber" {
  count        = local.push_mode ? 0 : 1
  subscription = google_pubsub_subscription.orders_worker.name
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.worker.member
}

# ... and to orders-dead-letter, which it drains into raw.dead_letter.
resource "google_pubsub_subscription_iam_member" "worker_dead_letter_subscriber" {
  count        = local.push_mode ? 0 : 1
  subscription = google_pubsub_subscription.dead_letter.name
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.worker.member
}

resource "google_bigquery_table_iam_member" "worker_raw_writer" {
  for_each   = google_bigquery_table.raw
  dataset_id = each.value.dataset_id
  table_id   = each.value.table_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.worker.member
}

# WAP job: read raw, write audit and mart, run query jobs, read dims / write reports.

resource "google_bigquery_dataset_iam_member" "wap_raw_reader" {
  dataset_id = google_bigquery_dataset.raw.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.wap.member
}

resource "google_bigquery_dataset_iam_member" "wap_audit_writer" {
  dataset_id = google_bigquery_dataset.audit.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.wap.member
}

resource "google_bigquery_dataset_iam_member" "wap_mart_writer" {
  dataset_id = google_bigquery_dataset.mart.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.wap.member
}

# Query jobs belong to the project, not to a dataset, so bigquery.jobs.create can only be
# granted here; jobUser carries no data access (that comes from the dataset grants above).
resource "google_project_iam_member" "wap_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.wap.member
}

resource "google_storage_bucket_iam_member" "wap_bucket_user" {
  bucket = google_storage_bucket.orderflow.name
  role   = "roles/storage.objectUser"
  member = google_service_account.wap.member
}

# Scheduler: start the WAP job, nothing else.

resource "google_cloud_run_v2_job_iam_member" "scheduler_invoker" {
  name     = google_cloud_run_v2_job.wap.name
  location = google_cloud_run_v2_job.wap.location
  role     = "roles/run.invoker"
  member   = google_service_account.scheduler.member
}

# Generator: publish to orders; pull its image; ship its own log lines.

resource "google_pubsub_topic_iam_member" "generator_publisher" {
  topic  = google_pubsub_topic.orders.name
  role   = "roles/pubsub.publisher"
  member = google_service_account.generator.member
}

resource "google_artifact_registry_repository_iam_member" "generator_image_reader" {
  repository = google_artifact_registry_repository.orderflow.name
  location   = google_artifact_registry_repository.orderflow.location
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.generator.member
}

# The VM's logging agent writes with the VM's identity; log entries have no narrower scope
# than the project. The role grants no access to any data.
resource "google_project_iam_member" "generator_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.generator.member
}

# Push identity: call the worker service, nothing else.

resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  count    = local.push_mode ? 1 : 0
  name     = google_cloud_run_v2_service.worker.name
  location = google_cloud_run_v2_service.worker.location
  role     = "roles/run.invoker"
  member   = google_service_account.push_invoker[0].member
}

# Pub/Sub service agent: the dead-letter policy publishes to the dead-letter topic and acks
# the forwarded message on the source subscription, both with this identity.

resource "google_pubsub_topic_iam_member" "dead_letter_agent_publisher" {
  topic  = google_pubsub_topic.dead_letter.name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_agent_subscriber" {
  subscription = google_pubsub_subscription.orders_worker.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# BI readers (Looker Studio, Looker, Tableau service accounts or groups): mart only.

resource "google_bigquery_dataset_iam_member" "mart_reader" {
  for_each   = toset(var.mart_readers)
  dataset_id = google_bigquery_dataset.mart.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value
}
