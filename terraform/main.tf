provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # schemas/ is the single source of truth for the raw tables: the manifest names each table's
  # schema file, partitioning and clustering; no column is restated here.
  schemas_dir  = "${path.module}/../schemas"
  raw_manifest = jsondecode(file("${local.schemas_dir}/tables.json"))

  # The *_current views: SQL kept with the schemas, one file per view.
  current_views = toset(["orders_current", "order_items_current", "order_payments_current"])

  push_mode = var.worker_mode == "push"
  # Push: one instance's rate is its open requests over a request's latency (docs/worker.md).
  worker_concurrency  = coalesce(var.worker_concurrency, local.push_mode ? 250 : 80)
  subscription_name   = "orders-worker"
  worker_service_name = "orderflow-worker"
  # Cloud Run's deterministic URL (https://SERVICE-PROJECT_NUMBER.REGION.run.app), known before the
  # service exists: the push subscription names it without referring to the service, so the service
  # can be created after its subscription and grants on the first apply, in both modes.
  worker_url = "https://${local.worker_service_name}-${data.google_project.this.number}.${var.region}.run.app"
  # Push mode: the OIDC audience Pub/Sub puts in its tokens and the worker (and Cloud Run) require.
  push_audience = local.worker_url

  zone          = coalesce(var.zone, "${var.region}-b")
  bucket_name   = coalesce(var.bucket_name, "${var.project_id}-orderflow")
  registry_host = "${var.region}-docker.pkg.dev"
  repository    = "${local.registry_host}/${var.project_id}/${google_artifact_registry_repository.orderflow.repository_id}"
  # By digest: every instance, revision and VM boot runs exactly the image that was deployed.
  # Null until the first image is pushed (the repository is applied alone first: docs/deploy.md).
  image = var.image_digest == null ? null : "${local.repository}/orderflow@${var.image_digest}"

  # Created by Google when the Pub/Sub API is enabled; it moves messages to the dead-letter topic.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # managed-by: `orderflow setup --engine bigquery` refuses to touch a dataset Terraform manages.
  labels = { app = "orderflow", managed-by = "terraform" }
}

resource "google_project_service" "enabled" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "bigquerystorage.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "storage.googleapis.com",
  ])

  service = each.value
  # Other workloads in the project may use these APIs too.
  disable_on_destroy = false
}
