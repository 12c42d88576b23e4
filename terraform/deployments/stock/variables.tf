variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-stock-{thing}`); one prefix per environment (the bucket adds account and region)."
  type        = string
  default     = "pizza"
}

variable "log_level" {
  description = "Log level of every stock function (DEBUG, INFO, WARNING, ERROR)."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions' logs."
  type        = number
  default     = 30
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the stock table (set false to tear down a test environment)."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the deliveries bucket with its contents (set true to tear down a test environment)."
  type        = bool
  default     = false
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
