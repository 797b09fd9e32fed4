# A small Container-Optimized OS VM that runs `orderflow generate` as a systemd service:
# cloud-init writes the unit on every boot and systemd restarts the container if it exits.
resource "google_compute_instance" "generator" {
  name                      = "orderflow-generator"
  zone                      = local.zone
  machine_type              = var.generator_machine_type
  allow_stopping_for_update = true
  labels                    = local.labels

  boot_disk {
    initialize_params {
      image = "cos-cloud/cos-stable"
      size  = 10
    }
  }

  network_interface {
    network = var.generator_network
    # An ephemeral public address for egress to Pub/Sub and Artifact Registry; the
    # generator listens on nothing.
    access_config {}
  }

  service_account {
    email  = google_service_account.generator.email
    scopes = ["cloud-platform"] # what it may do is decided by its IAM grants alone
  }

  shielded_instance_config {
    enable_secure_boot          = true
    enable_vtpm                 = true
    enable_integrity_monitoring = true
  }

  metadata = {
    user-data = templatefile("${path.module}/templates/generator.cloud-init.yaml", {
      registry_host = local.registry_host
      image         = local.image
      project       = var.project_id
      topic         = google_pubsub_topic.orders.name
      rate          = var.generator_rate
    })
    google-logging-enabled = "true"
    enable-oslogin         = "TRUE"
  }

  # Publish only once something consumes: in push mode a message pushed to a service that is not
  # up yet, or not yet callable, spends delivery attempts and can end in the dead-letter topic.
  depends_on = [
    google_project_service.enabled,
    google_cloud_run_v2_service.worker,
    google_cloud_run_v2_service_iam_member.push_invoker,
  ]
}
