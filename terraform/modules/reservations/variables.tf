variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-reservations-{thing}`); one prefix per environment (the bucket adds account and region)."
  type        = string
  default     = "pizza"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.name_prefix))
    error_message = "name_prefix is 1 to 16 lowercase letters, digits or hyphens, starting with a letter (it begins S3 bucket and queue names)."
  }
}

variable "archive_bucket_name" {
  description = "Name of the archive bucket; null makes `{prefix}-reservations-archive-{account}-{region}`, unique across AWS."
  type        = string
  default     = null
}

variable "lambda_zip" {
  description = "Path to the reservations service's Lambda zip built by `make package` (dist/reservations.zip)."
  type        = string
}

variable "event_bus_name" {
  description = "Name of the shared EventBridge bus (terraform/deployments/shared) that `inventory-changed` is published on."
  type        = string
  default     = "pizza-shared-events"
}

variable "snapshot_every" {
  description = "A new snapshot of an item once this many events have gathered after the last: the longest tail a reservation folds."
  type        = number
  default     = 50

  validation {
    condition     = var.snapshot_every >= 1 && floor(var.snapshot_every) == var.snapshot_every
    error_message = "snapshot_every is a whole number of at least 1."
  }
}

variable "hot_retention_days" {
  description = "Days an event stays in the hot table after it happened, once archived and covered by a snapshot (then TTL removes it)."
  type        = number
  default     = 30

  validation {
    condition     = var.hot_retention_days >= 1
    error_message = "hot_retention_days is at least 1."
  }
}

variable "archive_transition_days" {
  description = "Days after which archived events move to S3 Glacier Instant Retrieval (still read at once by the history)."
  type        = number
  default     = 30
}

variable "changes_shard_count" {
  description = "Shards of the changes Kinesis stream (an item's events stay on one shard, in order)."
  type        = number
  default     = 1
}

variable "api_reserved_concurrency" {
  description = "Reserved concurrency of the api function: a function URL has no rate limit of its own, so this caps the API (requests beyond it get 429). null leaves the function unreserved."
  type        = number
  default     = null
}

variable "alarm_topic_arn" {
  description = "SNS topic notified when a dead-letter or failure queue holds messages; null: alarms without actions."
  type        = string
  default     = null
}

variable "log_level" {
  description = "LOG_LEVEL of every reservations function (DEBUG, INFO, WARNING, ERROR)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level is one of DEBUG, INFO, WARNING, ERROR."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions' logs."
  type        = number
  default     = 30
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the tables (turn off only to tear down a test environment)."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let `terraform destroy` empty and delete the archive bucket (only for test environments)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the tables, the stream, the bucket, the queues, the logs and the functions' environment; null uses AWS managed keys."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
}
