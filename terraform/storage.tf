resource "google_storage_bucket" "orderflow" {
  name                        = local.bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  # Audit reports are evidence for a while, then clutter; dims snapshots (dims/) are kept
  # because the WAP job rebuilds slowly changing dimensions from them.
  lifecycle_rule {
    condition {
      age            = var.audit_report_retention_days
      matches_prefix = ["audit-reports/"]
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_artifact_registry_repository" "orderflow" {
  repository_id = "orderflow"
  location      = var.region
  format        = "DOCKER"
  description   = "The orderflow image: one image for every subcommand."
  labels        = local.labels

  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.enabled]
}
