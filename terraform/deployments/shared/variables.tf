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

variable "event_archive_retention_days" {
  description = "Days the bus's archive keeps events for replay; 0 keeps them forever."
  type        = number
  default     = 14
}

variable "tags" {
  description = "Extra tags for every resource of this deployment."
  type        = map(string)
  default     = {}
}
