variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-oven-{thing}`); one prefix per environment."
  type        = string
  default     = "pizza"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.name_prefix))
    error_message = "name_prefix is 1 to 16 lowercase letters, digits or hyphens, starting with a letter (it begins queue and function names)."
  }
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

  # A bad value would make every cold start of the bake function fail: refuse it at plan time.
  validation {
    condition     = var.default_baking_time_secs >= 1 && var.default_baking_time_secs <= 3600 && floor(var.default_baking_time_secs) == var.default_baking_time_secs
    error_message = "default_baking_time_secs is a whole number of seconds from 1 to 3600."
  }
}

variable "bake_maximum_concurrency" {
  description = "Most concurrent invocations of the bake function by the NewItems queue. Every arrival writes the oven's load item, so more only conflict with each other and with removals handing their slots over; 2 is Lambda's least."
  type        = number
  default     = 2

  validation {
    condition     = var.bake_maximum_concurrency >= 2 && var.bake_maximum_concurrency <= 1000 && floor(var.bake_maximum_concurrency) == var.bake_maximum_concurrency
    error_message = "bake_maximum_concurrency is a whole number from 2 to 1000 (Lambda's limits for an SQS source's maximum concurrency)."
  }
}

variable "log_level" {
  description = "Log level of every oven function (DEBUG, INFO, WARNING, ERROR): LOG_LEVEL and Lambda's application log level."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level is one of DEBUG, INFO, WARNING, ERROR."
  }
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

variable "event_bus_name" {
  description = "Name of the shared EventBridge bus (output `event_bus_name` of deployments/shared), which must exist."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_bus_name)) && var.event_bus_name != "default"
    error_message = "event_bus_name is the shared bus's name (letters, digits, . _ -), not the account's default bus."
  }
}

variable "reconcile_schedule" {
  description = "How often the reconciler runs (an EventBridge schedule expression): it starts bakings that never started, takes out or fails pizzas whose execution ended without removal, and recounts the load."
  type        = string
  default     = "rate(1 minute)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours)\\)|cron\\(.+\\))$", var.reconcile_schedule))
    error_message = "reconcile_schedule is an EventBridge schedule such as rate(1 minute), rate(5 minutes) or cron(...)."
  }
}
