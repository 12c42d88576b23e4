variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-{service}-{thing}`); one prefix per environment."
  type        = string
  default     = "pizza"
}

variable "oven_capacity" {
  description = "Pizzas the oven bakes at once (seeded into the oven table by this deployment)."
  type        = number
  default     = 14
}

variable "default_baking_time_secs" {
  description = "Baking time of a pizza whose message gives none, in seconds."
  type        = number
  default     = 10
}

variable "log_level" {
  description = "LOG_LEVEL of every oven function (DEBUG, INFO, WARNING, ERROR)."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the oven's logs."
  type        = number
  default     = 30
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the oven table (turn off only to tear down a test environment)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the oven's data and logs; null uses AWS managed keys."
  type        = string
  default     = null
}

variable "event_bus_name" {
  description = "Name of the shared EventBridge bus: the `event_bus_name` output of deployments/shared (apply it first)."
  type        = string
  default     = "pizza-shared-events"
}

variable "alarm_topic_arn" {
  description = "SNS topic the service's alarms notify: the `alarm_topic_arn` output of deployments/shared; null leaves the alarms without notifications."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of this deployment."
  type        = map(string)
  default     = {}
}
