variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-oven-{thing}`); one prefix per environment."
  type        = string
  default     = "pizza"
}

variable "lambda_zip" {
  description = "Path to the oven service's Lambda zip built by `make package` (dist/oven.zip)."
  type        = string
}

variable "baking_definition_file" {
  description = "Path to the baking state machine's ASL template (services/oven/statemachines/bake.asl.json); rendered with templatefile() and `remove_function_arn`."
  type        = string

  validation {
    condition     = endswith(var.baking_definition_file, ".asl.json")
    error_message = "baking_definition_file is the path of an .asl.json template (services/oven/statemachines/bake.asl.json)."
  }
}

variable "oven_capacity" {
  description = "Pizzas the oven bakes at once. Seeded into the table's capacity item; a change applies to the next pizza, and pizzas already baking keep their slots."
  type        = number
  default     = 14

  validation {
    condition     = var.oven_capacity >= 1 && floor(var.oven_capacity) == var.oven_capacity
    error_message = "oven_capacity is a whole number of at least 1."
  }
}

variable "default_baking_time_secs" {
  description = "Baking time of a pizza whose NewItems message gives none (1 to 3600 seconds)."
  type        = number
  default     = 10
}

variable "bake_maximum_concurrency" {
  description = "Most concurrent invocations of the bake function by the NewItems queue, which keeps transaction conflicts on the oven's load item low."
  type        = number
  default     = 4
}

variable "log_level" {
  description = "LOG_LEVEL of every oven function (DEBUG, INFO, WARNING, ERROR)."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions' and the state machine's logs."
  type        = number
  default     = 30
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the oven table (turn off only to tear down a test environment)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the table, the queues, the logs, the state machine and the functions' environment; null uses AWS managed keys. Its key policy must let CloudWatch Logs, DynamoDB, SQS and Step Functions use it."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
}

variable "alarm_topic_arn" {
  description = "SNS topic the oven's alarms notify (dead-letter queue depth, failed baking executions); null creates the alarms without notifications."
  type        = string
  default     = null
}
