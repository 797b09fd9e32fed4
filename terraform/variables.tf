variable "project_id" {
  description = "Google Cloud project that holds every orderflow resource."
  type        = string
}

variable "region" {
  description = "Region for Cloud Run, Cloud Scheduler, Artifact Registry and the bucket."
  type        = string
  default     = "europe-west1"
}

variable "zone" {
  description = "Zone of the generator VM; defaults to <region>-b."
  type        = string
  default     = null
}

variable "bigquery_location" {
  description = "Location of the raw, audit and mart datasets (a region or the US/EU multi-region); keep region inside it so BigQuery can load from the bucket."
  type        = string
  default     = "EU"
}

variable "image_digest" {
  description = "Digest (sha256:...) of the orderflow image in the Artifact Registry repository that every component runs; push the image (with a unique tag, e.g. the git commit) before the full apply."
  type        = string
  default     = null

  validation {
    condition     = var.image_digest == null || can(regex("^sha256:[0-9a-f]{64}$", var.image_digest))
    error_message = "image_digest is an image digest: sha256: and 64 hex digits (gcloud artifacts docker images describe IMAGE:TAG --format 'value(image_summary.digest)')."
  }
}

variable "image_keep_count" {
  description = "Most recent images the repository keeps whatever their tags (rollback targets); older untagged ones are deleted after 30 days."
  type        = number
  default     = 10
}

variable "deletion_protection" {
  description = "Protects the raw tables, the Cloud Run service and job from terraform destroy."
  type        = bool
  default     = true
}

# Pub/Sub

variable "ack_deadline_seconds" {
  description = "Ack deadline of orders-worker; in push mode also the push request timeout."
  type        = number
  default     = 60
}

variable "max_delivery_attempts" {
  description = "Deliveries of one message before Pub/Sub moves it to orders-dead-letter (5-100)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts 5 to 100 delivery attempts."
  }
}

variable "retry_minimum_backoff" {
  description = "Shortest redelivery delay after a nack (exponential backoff)."
  type        = string
  default     = "10s"
}

variable "retry_maximum_backoff" {
  description = "Longest redelivery delay after a nack (exponential backoff, at most 600s)."
  type        = string
  default     = "600s"
}

variable "message_retention_duration" {
  description = "How long unacked messages stay in orders-worker and the dead-letter subscription."
  type        = string
  default     = "604800s"
}

# BigQuery and storage

variable "raw_partition_expiration_days" {
  description = "Days a raw table partition is kept; null keeps raw rows forever."
  type        = number
  default     = null
}

variable "mart_readers" {
  description = "Members (e.g. group:bi@example.com, serviceAccount:looker@...) given read access to the mart dataset for BI tools."
  type        = list(string)
  default     = []
}

variable "bucket_name" {
  description = "Bucket for dims snapshots and audit reports; defaults to <project_id>-orderflow."
  type        = string
  default     = null
}

variable "audit_report_retention_days" {
  description = "Days audit reports (audit-reports/ in the bucket) are kept before deletion."
  type        = number
  default     = 365
}

# Worker (Cloud Run service)

variable "worker_mode" {
  description = "pull: the worker pulls orders-worker (CPU always allocated); push: Pub/Sub pushes to it with OIDC."
  type        = string
  default     = "pull"

  validation {
    condition     = contains(["pull", "push"], var.worker_mode)
    error_message = "worker_mode is pull or push."
  }
}

variable "worker_push_path" {
  description = "Path of the worker's push endpoint (push mode only)."
  type        = string
  default     = "/"
}

variable "worker_min_instances" {
  description = "Minimum worker instances; pull mode needs at least 1 or nothing pulls."
  type        = number
  default     = 1
}

variable "worker_max_instances" {
  description = "Maximum worker instances."
  type        = number
  default     = 4
}

variable "worker_concurrency" {
  description = "Requests one worker instance serves at once (push deliveries and health probes). Default: 250 in push mode (a micro-batch holds at most this many messages, so more gives bigger batches: docs/worker.md, Push mode speed), 80 in pull mode (only probes)."
  type        = number
  default     = null
}

variable "worker_cpu" {
  description = "CPU limit of one worker instance."
  type        = string
  default     = "1"
}

variable "worker_memory" {
  description = "Memory limit of one worker instance."
  type        = string
  default     = "512Mi"
}

variable "worker_extra_env" {
  description = "Further ORDERFLOW_<FLAG> variables for `orderflow worker` (only flags the command defines: its CLI is strict)."
  type        = map(string)
  default     = {}
}

# WAP job (Cloud Run job + Cloud Scheduler)

variable "wap_schedule" {
  description = "Cron schedule of the daily WAP run."
  type        = string
  default     = "0 1 * * *"
}

variable "wap_time_zone" {
  description = "Time zone of wap_schedule."
  type        = string
  default     = "Etc/UTC"
}

variable "wap_timeout" {
  description = "Longest one WAP attempt may run."
  type        = string
  default     = "3600s"
}

variable "wap_max_retries" {
  description = "Retries of a failed WAP task (Cloud Run's default and advice: 3; safe, the run is idempotent). An audit failure (exit 3) fails every retry the same way; the alert says so."
  type        = number
  default     = 3
}

variable "business_time_zone" {
  description = "IANA time zone of every date the marts derive (purchase date, delivery days, KPI months); changing it needs one `batch run --full-refresh`."
  type        = string
  default     = "America/Sao_Paulo"
}

variable "wap_safety_window_minutes" {
  description = "Minutes behind the watermark a WAP run rereads when rows were committed late (worst write latency: batch age + append retries + clock skew)."
  type        = number
  default     = 15
}

variable "wap_extra_env" {
  description = "Further ORDERFLOW_<FLAG> variables for `orderflow batch run` (only flags the command defines)."
  type        = map(string)
  default     = {}
}

# Generator (Compute Engine VM)

variable "generator_machine_type" {
  description = "Machine type of the generator VM."
  type        = string
  default     = "e2-small"
}

variable "generator_rate" {
  description = "Messages per second the generator publishes; its events carry the wall-clock time (--real-time)."
  type        = number
  default     = 10
}

variable "generator_network" {
  description = "VPC network of the generator VM (it needs egress to Pub/Sub and Artifact Registry)."
  type        = string
  default     = "default"
}

# Monitoring (monitoring.tf)

variable "notification_channels" {
  description = "Cloud Monitoring notification channel ids (projects/<p>/notificationChannels/<id>) every orderflow alert notifies; empty: incidents open in the console only."
  type        = list(string)
  default     = []
}

variable "alert_backlog_age_seconds" {
  description = "Alert when the oldest unacked message in orders-worker is older than this for 5 minutes."
  type        = number
  default     = 900
}

variable "wap_deadline_hours" {
  description = "Alert when no WAP run has completed (published, or nothing to do) for this many hours; keep it above a day for a daily schedule."
  type        = number
  default     = 26

  validation {
    condition     = var.wap_deadline_hours > 24
    error_message = "A daily run completes about every 24 h: a deadline of 24 h or less would alert every day."
  }
}
