locals {
  # Flags of `orderflow worker` / `orderflow batch run` as ORDERFLOW_* variables (the CLI ignores
  # variables for flags a command does not have).
  worker_env = merge({
    ORDERFLOW_PROJECT      = var.project_id
    ORDERFLOW_SUBSCRIPTION = local.subscription_name
    # The worker also drains the dead-letter topic into raw.dead_letter (pubsub.tf).
    ORDERFLOW_DEAD_LETTER_SUBSCRIPTION = local.dead_letter_subscription_name
    ORDERFLOW_MODE                     = var.worker_mode
    ORDERFLOW_SINK                     = "bigquery"
    # A small V8 heap and two malloc arenas keep a worker under ~300 MB with a full flow-control
    # window (docs/worker.md); streaming/runtime-env.ts holds the same values for local runs.
    NODE_OPTIONS     = "--max-old-space-size=128 --max-semi-space-size=2"
    MALLOC_ARENA_MAX = "2"
    # Grants can take minutes to propagate: wait for them (not ready) rather than exit. Within the
    # startup probe's 240 s.
    ORDERFLOW_STARTUP_WAIT = "220"
  }, local.worker_push_env, var.worker_extra_env)

  # Push mode: accept only tokens for this audience, signed for the push subscription's identity.
  # A micro-batch goes as soon as every push connection's request is in it; the age limit only
  # holds it while some connection's next request is on its way, and 100 ms lets those join
  # rather than split every round of requests in two (docs/worker.md, Push mode speed).
  worker_push_env = local.push_mode ? {
    ORDERFLOW_PUSH_AUDIENCE        = local.push_audience
    ORDERFLOW_PUSH_SERVICE_ACCOUNT = one(google_service_account.push_invoker[*].email)
    ORDERFLOW_BATCH_MAX_AGE_MS     = "100"
  } : {}

  wap_env = merge({
    ORDERFLOW_PROJECT               = var.project_id
    ORDERFLOW_ENGINE                = "bigquery"
    ORDERFLOW_DIMS                  = "${google_storage_bucket.orderflow.url}/dims"
    ORDERFLOW_REPORTS               = "${google_storage_bucket.orderflow.url}/audit-reports"
    ORDERFLOW_TIME_ZONE             = var.business_time_zone
    ORDERFLOW_SAFETY_WINDOW_MINUTES = tostring(var.wap_safety_window_minutes)
  }, var.wap_extra_env)
}

resource "google_cloud_run_v2_service" "worker" {
  name                = local.worker_service_name
  location            = var.region
  deletion_protection = var.deletion_protection
  # Pull mode needs no inbound traffic at all; push requests from Pub/Sub count as internal.
  ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  labels  = local.labels
  # Push mode: Cloud Run accepts the subscription's tokens for this audience too.
  custom_audiences = local.push_mode ? [local.push_audience] : null

  template {
    service_account                  = google_service_account.worker.email
    max_instance_request_concurrency = local.worker_concurrency
    # A push delivery that outlives the ack deadline is redelivered anyway.
    timeout = "${var.ack_deadline_seconds}s"

    scaling {
      min_instance_count = var.worker_min_instances
      max_instance_count = var.worker_max_instances
    }

    containers {
      image = local.image
      args  = ["worker"]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.worker_cpu
          memory = var.worker_memory
        }
        # A pull subscriber works between requests, so its CPU must stay allocated;
        # a push worker only works inside requests.
        cpu_idle          = local.push_mode
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.worker_env
        content {
          name  = env.key
          value = env.value
        }
      }

      # Cloud Run routes to an instance once its startup probe passes, so the startup probe
      # asks the readiness endpoint; the liveness probe restarts an instance that hangs.
      # Paths ending in z are reserved on Cloud Run (its front end answers /healthz itself).
      startup_probe {
        period_seconds    = 5
        timeout_seconds   = 3
        failure_threshold = 48
        http_get {
          path = "/ready"
        }
      }

      liveness_probe {
        period_seconds    = 15
        timeout_seconds   = 3
        failure_threshold = 3
        http_get {
          path = "/health"
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.image_digest != null
      error_message = "Set image_digest to the pushed image's digest (docs/deploy.md: apply the repository alone, push, then apply everything)."
    }
    precondition {
      condition     = local.push_mode || var.worker_min_instances >= 1
      error_message = "A pull-mode worker needs worker_min_instances >= 1: with none running, nothing pulls."
    }
  }

  # First apply: a revision becomes ready only once its checks pass (streaming/startup-wait.ts), so
  # what it checks exists, and is granted, before it starts: the subscription it pulls (pull mode)
  # and the tables it writes.
  depends_on = [
    google_project_service.enabled,
    google_pubsub_subscription.orders_worker,
    google_pubsub_subscription_iam_member.worker_subscriber,
    google_bigquery_table_iam_member.worker_raw_writer,
  ]
}

resource "google_cloud_run_v2_job" "wap" {
  name                = "orderflow-wap"
  location            = var.region
  deletion_protection = var.deletion_protection
  labels              = local.labels

  template {
    task_count = 1

    template {
      service_account = google_service_account.wap.email
      timeout         = var.wap_timeout
      max_retries     = var.wap_max_retries

      containers {
        image = local.image
        args  = ["batch", "run"]

        resources {
          limits = {
            cpu    = "1"
            memory = "1Gi"
          }
        }

        dynamic "env" {
          for_each = local.wap_env
          content {
            name  = env.key
            value = env.value
          }
        }
      }
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_scheduler_job" "wap_daily" {
  name             = "orderflow-wap-daily"
  region           = var.region
  description      = "Runs the orderflow WAP job once a day."
  schedule         = var.wap_schedule
  time_zone        = var.wap_time_zone
  attempt_deadline = "320s"

  retry_config {
    retry_count = 1
  }

  # Starting a job execution is a Cloud Run Admin API call, hence an OAuth token (not OIDC).
  http_target {
    http_method = "POST"
    uri         = "https://run.googleapis.com/v2/${google_cloud_run_v2_job.wap.id}:run"

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [google_project_service.enabled]
}
