resource "google_pubsub_topic" "orders" {
  name   = "orders"
  labels = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "dead_letter" {
  name   = "orders-dead-letter"
  labels = local.labels

  depends_on = [google_project_service.enabled]
}

locals {
  # Workers drain it into raw.dead_letter (ORDERFLOW_DEAD_LETTER_SUBSCRIPTION, run.tf).
  dead_letter_subscription_name = "orders-dead-letter"
}

# Without a subscription, messages moved to the dead-letter topic would be dropped. The worker
# writes each as a delivery_exhausted row of raw.dead_letter and acks it once written: pulled in
# pull mode, pushed to /dead-letters in push mode. No dead-letter policy: there is nowhere further.
# (Topics and subscriptions are separate namespaces, so the names may match.)
resource "google_pubsub_subscription" "dead_letter" {
  name                       = local.dead_letter_subscription_name
  topic                      = google_pubsub_topic.dead_letter.id
  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = var.message_retention_duration
  labels                     = local.labels

  retry_policy {
    minimum_backoff = var.retry_minimum_backoff
    maximum_backoff = var.retry_maximum_backoff
  }

  expiration_policy {
    ttl = "" # never expires, however long nobody reads it
  }

  dynamic "push_config" {
    for_each = local.push_mode ? [google_cloud_run_v2_service.worker.uri] : []
    content {
      push_endpoint = "${push_config.value}/dead-letters"

      oidc_token {
        service_account_email = google_service_account.push_invoker[0].email
        audience              = push_config.value
      }
    }
  }
}

# The worker's subscription. Pull by default; with worker_mode = "push" the same subscription
# pushes to the Cloud Run worker with an OIDC token, so no message is ever delivered twice over
# two subscriptions and the retry and dead-letter settings are declared once.
resource "google_pubsub_subscription" "orders_worker" {
  name                       = local.subscription_name
  topic                      = google_pubsub_topic.orders.id
  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = var.message_retention_duration
  labels                     = local.labels

  retry_policy {
    minimum_backoff = var.retry_minimum_backoff
    maximum_backoff = var.retry_maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  dynamic "push_config" {
    # No reference to the service: the service depends on this subscription (run.tf).
    for_each = local.push_mode ? [local.worker_url] : []
    content {
      push_endpoint = "${push_config.value}${var.worker_push_path}"

      oidc_token {
        service_account_email = google_service_account.push_invoker[0].email
        audience              = local.push_audience
      }
    }
  }

  # The dead-letter policy only works once the service agent may publish and ack.
  depends_on = [google_pubsub_topic_iam_member.dead_letter_agent_publisher]
}
