output "image" {
  description = "Image reference (by digest) the worker, the WAP job and the generator run."
  value       = local.image
}

output "artifact_registry" {
  description = "Repository to push the orderflow image to (tags are immutable: use a unique one, e.g. the git commit)."
  value       = local.repository
}

output "worker_url" {
  description = "URL of the worker service (internal ingress; push endpoint in push mode)."
  value       = google_cloud_run_v2_service.worker.uri
}

output "wap_job" {
  description = "Cloud Run job that runs write-audit-publish; run it by hand with `gcloud run jobs execute`."
  value       = google_cloud_run_v2_job.wap.name
}

output "bucket" {
  description = "Bucket for dims snapshots (dims/) and audit reports (audit-reports/)."
  value       = google_storage_bucket.orderflow.url
}

output "datasets" {
  description = "BigQuery datasets: raw (worker rows and *_current views), audit (WAP candidates), mart (BI)."
  value = {
    raw   = google_bigquery_dataset.raw.dataset_id
    audit = google_bigquery_dataset.audit.dataset_id
    mart  = google_bigquery_dataset.mart.dataset_id
  }
}

output "generator_instance" {
  description = "Generator VM; stop or start it with gcloud compute instances stop/start."
  value       = google_compute_instance.generator.name
}

output "service_accounts" {
  description = "One service account per component."
  value = {
    worker    = google_service_account.worker.email
    wap       = google_service_account.wap.email
    scheduler = google_service_account.scheduler.email
    generator = google_service_account.generator.email
    push      = one(google_service_account.push_invoker[*].email)
  }
}
