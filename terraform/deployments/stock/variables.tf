variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix of every physical name (`{prefix}-stock-{thing}`); one prefix per environment, unique per account (S3 bucket names are global)."
  type        = string
  default     = "pizza"
}

variable "log_level" {
  description = "LOG_LEVEL of every stock function."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions' logs and the API's access logs."
  type        = number
  default     = 30
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the stock table (set false to tear down a test environment)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags for every resource of this deployment."
  type        = map(string)
  default     = {}
}
