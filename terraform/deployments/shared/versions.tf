terraform {
  required_version = ">= 1.10" # use_lockfile (S3 native state locking) needs 1.10

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Each deployment keeps its own state. Partial configuration: the bucket, key and region come from
  # `terraform init -backend-config=backend.hcl` (copy backend.hcl.example).
  backend "s3" {}
}
