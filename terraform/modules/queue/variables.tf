variable "name" {
  description = "Physical name of the queue without `.fifo` (added for FIFO queues); its dead-letter queue is `{name}-dlq`."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,71}$", var.name))
    error_message = "name is 1 to 71 letters, digits, hyphens or underscores, without .fifo (SQS allows 80 characters, and `-dlq.fifo` is added)."
  }
}

variable "fifo" {
  description = "A FIFO queue (and FIFO dead-letter queue); the module adds `.fifo` to both names."
  type        = bool
  default     = false
}

variable "content_based_deduplication" {
  description = "FIFO only: deduplicate by a SHA-256 of the body when a sender gives no deduplication id."
  type        = bool
  default     = false
}

variable "visibility_timeout_seconds" {
  description = "Seconds a received message stays hidden; for a Lambda event source, at least the function's timeout (AWS advises six times)."
  type        = number
  default     = 30

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200 && floor(var.visibility_timeout_seconds) == var.visibility_timeout_seconds
    error_message = "visibility_timeout_seconds is a whole number from 0 to 43200 (12 hours)."
  }
}

variable "delay_seconds" {
  description = "Seconds every new message stays invisible before its first delivery."
  type        = number
  default     = 0

  validation {
    condition     = var.delay_seconds >= 0 && var.delay_seconds <= 900 && floor(var.delay_seconds) == var.delay_seconds
    error_message = "delay_seconds is a whole number from 0 to 900."
  }
}

variable "message_retention_seconds" {
  description = "Seconds SQS keeps a message of the queue (60 to 1209600, 14 days)."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds is from 60 to 1209600 (14 days)."
  }
}

variable "dead_letter_queue" {
  description = "Create `{name}-dlq` and move a message there after max_receive_count receives. false for a queue that is itself where failures end (an on-failure destination): the depth alarm then watches the queue itself."
  type        = bool
  default     = true
}

variable "max_receive_count" {
  description = "Receives of one message before it moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count is a whole number from 1 to 1000."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic notified when the dead-letter queue (or, without one, the queue itself) holds messages; null creates the alarm without notifications."
  type        = string
  default     = null
}

variable "alarm_threshold" {
  description = "The depth alarm fires when more messages than this are visible in the watched queue."
  type        = number
  default     = 0

  validation {
    condition     = var.alarm_threshold >= 0
    error_message = "alarm_threshold is 0 or more."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for both queues; null uses SQS managed encryption (SSE-SQS). Its key policy must let the senders (and services such as S3, EventBridge or Lambda) use it."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
