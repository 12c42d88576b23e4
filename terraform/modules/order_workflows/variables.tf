variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-orders-{thing}`); the reservations resources are `{prefix}-reservations-{thing}`."
  type        = string
  default     = "pizza"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name_prefix))
    error_message = "name_prefix is 2-21 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "lambda_zip" {
  description = "Path to the reservations service's Lambda zip built by `make package` (dist/reservations.zip); the order workflows are its `pizza_reservations.orders` package."
  type        = string
}

variable "reserve_stock_definition_file" {
  description = "Path to reserve-stock's ASL template (services/reservations/statemachines/reserve-stock.asl.json), rendered with partition, steps_function_arn, event_bus_name and notifications_topic_arn."
  type        = string

  validation {
    condition     = endswith(var.reserve_stock_definition_file, ".asl.json")
    error_message = "reserve_stock_definition_file is the path of an .asl.json template."
  }
}

variable "purchase_order_definition_file" {
  description = "Path to create-purchase-order's ASL template (services/reservations/statemachines/create-purchase-order.asl.json), rendered with partition and steps_function_arn."
  type        = string

  validation {
    condition     = endswith(var.purchase_order_definition_file, ".asl.json")
    error_message = "purchase_order_definition_file is the path of an .asl.json template."
  }
}

variable "order_definition_file" {
  description = "Path to the order workflow's ASL template (services/reservations/statemachines/order.asl.json), rendered with partition, steps_function_arn and event_bus_name."
  type        = string

  validation {
    condition     = endswith(var.order_definition_file, ".asl.json")
    error_message = "order_definition_file is the path of an .asl.json template."
  }
}

variable "stock_api_url" {
  description = "The stock service's API (the `api_url` output of terraform/deployments/stock): the order workflow uses an order's ingredients with POST /transactions. Its function is `{prefix}-stock-api`."
  type        = string
}

variable "oven_new_items_queue_url" {
  description = "The oven's NewItems queue (the `new_items_queue_url` output of terraform/deployments/oven): the order workflow sends its pizza there."
  type        = string
}

variable "event_bus_name" {
  description = "Name of the shared bus (the `event_bus_name` output of terraform/deployments/shared); found with a data source."
  type        = string
  default     = "pizza-shared-events"
}

variable "reservations_commands_queue_url" {
  description = "URL of the reservations commands queue (`commands_queue_url` output of terraform/deployments/reservations): an approved purchase order's adjustment goes there."
  type        = string
}

variable "reservations_archive_bucket" {
  description = "Name of the reservations archive bucket (`archive_bucket` output of terraform/deployments/reservations): the reservations settings the steps load name it."
  type        = string
}

variable "hold_seconds" {
  description = "How long an order's lines are held (1-86400 s): long enough to be made and baked."
  type        = number
  default     = 900

  validation {
    condition     = var.hold_seconds >= 1 && var.hold_seconds <= 86400 && floor(var.hold_seconds) == var.hold_seconds
    error_message = "hold_seconds is a whole number from 1 to 86400."
  }
}

variable "low_stock_threshold" {
  description = "At or below this many available units, check-inventory-level raises the item's one purchase order."
  type        = number
  default     = 2

  validation {
    condition     = var.low_stock_threshold >= 0 && floor(var.low_stock_threshold) == var.low_stock_threshold
    error_message = "low_stock_threshold is a whole number of at least 0."
  }
}

variable "reorder_quantity" {
  description = "Units a purchase order asks for (at least what the short order needed)."
  type        = number
  default     = 20

  validation {
    condition     = var.reorder_quantity >= 1 && floor(var.reorder_quantity) == var.reorder_quantity
    error_message = "reorder_quantity is a whole number of at least 1."
  }
}

variable "approval_timeout_seconds" {
  description = "How long a purchase order waits for approval before it is recorded TIMED_OUT (1 s to 7 days)."
  type        = number
  default     = 3600

  validation {
    condition     = var.approval_timeout_seconds >= 1 && var.approval_timeout_seconds <= 604800
    error_message = "approval_timeout_seconds is from 1 to 604800 (7 days)."
  }
}

variable "order_generator_enabled" {
  description = "Publish random orders every minute (the original's generator). Off by default: turn on for a demo account only."
  type        = bool
  default     = false
}

variable "log_level" {
  description = "LOG_LEVEL of every orders function (DEBUG, INFO, WARNING, ERROR)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level is one of DEBUG, INFO, WARNING, ERROR."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions' and state machines' logs."
  type        = number
  default     = 30
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the orders tables (turn off only to tear down a test environment)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the tables, queues, topic, logs and state machines; null uses AWS managed keys."
  type        = string
  default     = null
}

variable "alarm_topic_arn" {
  description = "SNS topic the alarms notify (failed executions, dead-letter queue depth, function errors); null creates them without notifications."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of the module."
  type        = map(string)
  default     = {}
}
