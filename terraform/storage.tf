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

  # A tag names one image for good: a deployed image (by digest, from its unique tag) never
  # loses its tag, so the untagged cleanup below can never remove it.
  docker_config {
    immutable_tags = true
  }

  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "2592000s"
    }
  }

  # KEEP wins over DELETE: the most recent images stay whatever their state (rollback targets).
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = var.image_keep_count
    }
  }

  depends_on = [google_project_service.enabled]
}
