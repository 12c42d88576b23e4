variable "region" {
  description = "AWS region to deploy to (the reservations deployment's)."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-orders-{thing}`); the same as the reservations deployment's."
  type        = string
  default     = "pizza"
}

variable "event_bus_name" {
  description = "Name of the shared bus (the `event_bus_name` output of terraform/deployments/shared)."
  type        = string
  default     = "pizza-shared-events"
}

variable "reservations_commands_queue_url" {
  description = "The `commands_queue_url` output of terraform/deployments/reservations."
  type        = string
}

variable "reservations_archive_bucket" {
  description = "The `archive_bucket` output of terraform/deployments/reservations."
  type        = string
}

variable "stock_api_url" {
  description = "The `api_url` output of terraform/deployments/stock (the order workflow uses ingredients there)."
  type        = string
}

variable "oven_new_items_queue_url" {
  description = "The `new_items_queue_url` output of terraform/deployments/oven (the order workflow's pizzas)."
  type        = string
}

variable "approval_timeout_seconds" {
  description = "How long a purchase order waits for approval before it is recorded TIMED_OUT."
  type        = number
  default     = 3600
}

variable "order_generator_enabled" {
  description = "Publish random orders every minute (demo accounts only)."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "LOG_LEVEL of every orders function."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions' and state machines' logs."
  type        = number
  default     = 30
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the orders tables (set false to tear down a test environment)."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "SNS topic notified by the alarms (failed executions, DLQ depth); null: no notification."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of this deployment."
  type        = map(string)
  default     = {}
}
