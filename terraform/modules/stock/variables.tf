variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-stock-{thing}`); S3 bucket names are global, so make it unique per account."
  type        = string
  default     = "pizza"
}

variable "lambda_zip" {
  description = "Path to the stock service's Lambda zip built by `make package` (dist/stock.zip)."
  type        = string
}

variable "log_level" {
  description = "LOG_LEVEL of every stock function (DEBUG, INFO, WARNING, ERROR)."
  type        = string
  default     = "INFO"
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
