resource "google_bigquery_dataset" "raw" {
  dataset_id  = local.raw_manifest.dataset
  location    = var.bigquery_location
  description = local.raw_manifest.description
  labels      = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_dataset" "audit" {
  dataset_id  = "audit"
  location    = var.bigquery_location
  description = "WAP candidates, audit results, runs and watermarks; nothing here is published."
  labels      = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_dataset" "mart" {
  dataset_id  = "mart"
  location    = var.bigquery_location
  description = "Published facts, dimensions, aggregates and KPI views: what BI tools read."
  labels      = local.labels

  depends_on = [google_project_service.enabled]
}

# One table per manifest entry; columns, partitioning and clustering all come from schemas/.
resource "google_bigquery_table" "raw" {
  for_each = local.raw_manifest.tables

  dataset_id          = google_bigquery_dataset.raw.dataset_id
  table_id            = each.key
  description         = each.value.description
  schema              = file("${local.schemas_dir}/${each.value.schema}")
  clustering          = each.value.cluster
  deletion_protection = var.deletion_protection
  labels              = local.labels

  time_partitioning {
    type          = each.value.partition.type
    field         = each.value.partition.field
    expiration_ms = var.raw_partition_expiration_days == null ? null : var.raw_partition_expiration_days * 86400000
  }
}

# Latest event per key for real-time BI; the SQL lives in schemas/current-views/<view>.sql.
resource "google_bigquery_table" "current" {
  for_each = local.current_views

  dataset_id          = google_bigquery_dataset.raw.dataset_id
  table_id            = each.key
  deletion_protection = false # a view holds no data; it is rebuilt from its SQL
  labels              = local.labels

  view {
    query = templatefile("${local.schemas_dir}/current-views/${each.key}.sql", {
      project = var.project_id
      dataset = google_bigquery_dataset.raw.dataset_id
    })
    use_legacy_sql = false
  }

  depends_on = [google_bigquery_table.raw]
}
