terraform {
  required_version = ">= 1.5.0"

  required_providers {
    # Pinned to one major: 6.20 is the oldest release with every argument used here
    # (Cloud Run v2 deletion_protection, Artifact Registry cleanup policies, storage.objectUser).
    google = {
      source  = "hashicorp/google"
      version = "~> 6.20"
    }
  }
}
