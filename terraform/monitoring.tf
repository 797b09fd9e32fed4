# What an operator watches: log-based metrics from the JSON logs, alert policies on the pipeline's
# failure modes, and one dashboard. Alerts notify var.notification_channels (none: they still open
# incidents in the console). docs/deploy.md, "Watch it", says what each one means and what to do.

locals {
  # The PromQL name Cloud Monitoring gives a user-defined log-based metric (`/` becomes `_`).
  wap_runs_promql = "logging_googleapis_com:user_${replace(google_logging_metric.wap_runs.name, "/", "_")}"
}

# One point per `batch run <status>` summary line the WAP job logs (cli/commands/batch.ts), labelled
# with the run's status: published, no_work, audited or audit_failed.
resource "google_logging_metric" "wap_runs" {
  name        = "orderflow/wap_runs"
  description = "orderflow WAP runs by outcome, from the job's `batch run <status>` log line."
  filter      = "resource.type=\"cloud_run_job\" AND resource.labels.job_name=\"${google_cloud_run_v2_job.wap.name}\" AND jsonPayload.message=~\"^batch run \" AND jsonPayload.run_id:*"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "status"
      value_type  = "STRING"
      description = "published, no_work, audited or audit_failed"
    }
  }
  label_extractors = {
    status = "EXTRACT(jsonPayload.status)"
  }

  depends_on = [google_project_service.enabled]
}

# Log lines at ERROR or above from the worker service (the structured logger's severity field).
resource "google_logging_metric" "worker_errors" {
  name        = "orderflow/worker_errors"
  description = "orderflow worker log lines at severity ERROR or above."
  filter      = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${google_cloud_run_v2_service.worker.name}\" AND severity>=ERROR"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "backlog_age" {
  display_name          = "orderflow: orders-worker backlog is getting old"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "oldest unacked message older than ${var.alert_backlog_age_seconds} s"
    condition_threshold {
      filter          = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.orders_worker.name}\" AND metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_backlog_age_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "Workers are not keeping up or not running: check the worker's instances and errors (dashboard \"orderflow pipeline\"), then docs/deploy.md#watch-it."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "dead_letters" {
  display_name          = "orderflow: messages moved to the dead-letter topic"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "dead-lettered messages in 10 minutes"
    condition_threshold {
      filter          = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.orders_worker.name}\" AND metric.type=\"pubsub.googleapis.com/subscription/dead_letter_message_count\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "600s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  documentation {
    content   = "Pub/Sub gave up on messages after ${var.max_delivery_attempts} deliveries (the worker kept nacking them: a sink outage or a bug, since invalid messages go to raw.dead_letter instead). They wait in the orders-dead-letter subscription; see docs/deploy.md#watch-it."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "worker_errors" {
  display_name          = "orderflow: worker errors"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "worker ERROR log lines in 5 minutes"
    condition_threshold {
      filter          = "resource.type=\"cloud_run_revision\" AND metric.type=\"logging.googleapis.com/user/${google_logging_metric.worker_errors.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  documentation {
    content   = "The worker logged errors (failed writes, a failed subscriber, a crash). Logs: resource.type=\"cloud_run_revision\" resource.labels.service_name=\"${google_cloud_run_v2_service.worker.name}\" severity>=ERROR."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "wap_failed" {
  display_name          = "orderflow: WAP run failed"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  # A blocking audit check failed (exit 3): nothing was published, the watermark held.
  conditions {
    display_name = "a WAP run ended audit_failed"
    condition_threshold {
      filter          = "resource.type=\"cloud_run_job\" AND metric.type=\"logging.googleapis.com/user/${google_logging_metric.wap_runs.name}\" AND metric.labels.status=\"audit_failed\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  # Any failed execution: every retry used up (an operational failure, exit 1, or the audit).
  conditions {
    display_name = "a WAP job execution failed"
    condition_threshold {
      filter          = "resource.type=\"cloud_run_job\" AND resource.labels.job_name=\"${google_cloud_run_v2_job.wap.name}\" AND metric.type=\"run.googleapis.com/job/completed_execution_count\" AND metric.labels.result=\"failed\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  documentation {
    content   = "Read the run's stderr (each failed check with its offending rows) and the audit report in the bucket; docs/batch.md lists the exit codes. The next run retries the same window."
    mime_type = "text/markdown"
  }
}

# Metric-absence conditions look back 23.5 h at most, less than a daily job's period; PromQL's
# absent_over_time looks back as far as the deadline needs.
resource "google_monitoring_alert_policy" "wap_missed" {
  display_name          = "orderflow: no WAP run by its deadline"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "no published or no-work WAP run in ${var.wap_deadline_hours} h"
    condition_prometheus_query_language {
      query               = "absent_over_time(${local.wap_runs_promql}{monitored_resource=\"cloud_run_job\",status=~\"published|no_work\"}[${var.wap_deadline_hours}h])"
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }

  documentation {
    content   = "The daily run did not complete: check Cloud Scheduler job ${google_cloud_scheduler_job.wap_daily.name} and the job's executions (gcloud run jobs executions list --job ${google_cloud_run_v2_job.wap.name})."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_dashboard" "pipeline" {
  dashboard_json = templatefile("${path.module}/templates/dashboard.json.tftpl", {
    subscription             = google_pubsub_subscription.orders_worker.name
    dead_letter_subscription = google_pubsub_subscription.dead_letter.name
    topic                    = google_pubsub_topic.orders.name
    service                  = google_cloud_run_v2_service.worker.name
    job                      = google_cloud_run_v2_job.wap.name
    worker_errors_metric     = google_logging_metric.worker_errors.name
    wap_runs_metric          = google_logging_metric.wap_runs.name
  })

  depends_on = [google_project_service.enabled]
}
