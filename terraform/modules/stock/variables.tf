variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-stock-{thing}`)."
  type        = string
  default     = "pizza"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.name_prefix))
    error_message = "name_prefix is 1 to 16 lowercase letters, digits or hyphens, starting with a letter (it begins S3 bucket and queue names)."
  }
}

variable "deliveries_bucket_name" {
  description = "Name of the deliveries bucket; null makes `{prefix}-stock-deliveries-{account}-{region}`, unique across AWS."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the deliveries bucket with every delivery and old version in it (test environments only)."
  type        = bool
  default     = false
}

variable "lambda_zip" {
  description = "Path to the stock service's Lambda zip built by `make package` (dist/stock.zip)."
  type        = string
}

variable "log_level" {
  description = "Log level of every stock function (DEBUG, INFO, WARNING, ERROR): LOG_LEVEL and Lambda's application log level."
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

variable "levels_shard_count" {
  description = "Shards of the Kinesis stream of level changes (records of one ingredient stay on one shard)."
  type        = number
  default     = 1

  validation {
    condition     = var.levels_shard_count >= 1 && var.levels_shard_count <= 500 && floor(var.levels_shard_count) == var.levels_shard_count
    error_message = "levels_shard_count is a whole number from 1 to 500."
  }
}

variable "noncurrent_delivery_retention_days" {
  description = "Days an overwritten or deleted delivery file (a noncurrent object version) is kept."
  type        = number
  default     = 30
}

variable "api_reserved_concurrency" {
  description = "Reserved concurrency of the api function: a function URL has no rate limit of its own, so this caps the API (requests beyond it get 429). null leaves the function unreserved."
  type        = number
  default     = null

  validation {
    condition     = var.api_reserved_concurrency == null ? true : var.api_reserved_concurrency >= 1 && floor(var.api_reserved_concurrency) == var.api_reserved_concurrency
    error_message = "api_reserved_concurrency is null or a whole number of at least 1."
  }
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the stock table (turn off only to tear down a test environment)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the table, the stream, the bucket, the queues, the logs and the functions' environment; null uses AWS managed keys. Its key policy must let CloudWatch Logs, S3, DynamoDB, Kinesis and SQS use it."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
}

variable "alarm_topic_arn" {
  description = "SNS topic the stock service's alarms notify (failure queue depth); null creates the alarms without notifications."
  type        = string
  default     = null
}

variable "event_bus_name" {
  description = "Name of the shared EventBridge bus (output `event_bus_name` of deployments/shared), which must exist."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_bus_name)) && var.event_bus_name != "default"
    error_message = "event_bus_name is the shared bus's name (letters, digits, . _ -), not the account's default bus."
  }
}
