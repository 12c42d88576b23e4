variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-reservations-{thing}`); one prefix per environment (the archive bucket adds account and region)."
  type        = string
  default     = "pizza"
}

variable "event_bus_name" {
  description = "Name of the shared bus (the `event_bus_name` output of terraform/deployments/shared)."
  type        = string
  default     = "pizza-shared-events"
}

variable "log_level" {
  description = "LOG_LEVEL of every reservations function."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions' logs."
  type        = number
  default     = 30
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the tables (set false to tear down a test environment)."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let `terraform destroy` empty and delete the archive bucket (test environments only)."
  type        = bool
  default     = false
}

variable "alarm_topic_arn" {
  description = "SNS topic notified when a dead-letter or failure queue holds messages; null: no notification."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags for every resource of this deployment."
  type        = map(string)
  default     = {}
}
