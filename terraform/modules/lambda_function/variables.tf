variable "function_name" {
  description = "The function's physical name, `{prefix}-{service}-{role}` (e.g. pizza-stock-ingest)."
  type        = string
}

variable "description" {
  description = "What the function does, shown in the Lambda console."
  type        = string
  default     = ""
}

variable "handler" {
  description = "The handler as Lambda calls it: `package.module.function` inside the zip."
  type        = string
}

variable "runtime" {
  description = "The Lambda runtime the zip was built for."
  type        = string
  default     = "python3.12"
}

variable "architectures" {
  description = "The instruction set the zip's wheels were built for."
  type        = list(string)
  default     = ["x86_64"]
}

variable "zip_file" {
  description = "Path to the prebuilt deployment package (`make package` writes dist/<service>.zip)."
  type        = string
}

variable "memory_size" {
  description = "Memory in MB; CPU is allotted in proportion."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Seconds before Lambda stops an invocation."
  type        = number
  default     = 30
}

variable "environment_variables" {
  description = "Environment variables of the function (names and values)."
  type        = map(string)
  default     = {}
}

variable "log_level" {
  description = "Log level of the function's code (DEBUG, INFO, WARNING, ERROR): Lambda's application log level, which Powertools reads."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level is one of DEBUG, INFO, WARNING, ERROR."
  }
}

variable "policy_json" {
  description = "The function's own least-privilege IAM policy document (JSON, from an aws_iam_policy_document in the caller)."
  type        = string
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for (and capping) this function; null leaves it on the account's shared pool."
  type        = number
  default     = null
}

variable "log_retention_days" {
  description = "Days the function's log group keeps its events."
  type        = number
  default     = 30
}

variable "tracing_mode" {
  description = "X-Ray tracing: Active samples and traces every invocation, PassThrough only traces when the caller does."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode is Active or PassThrough."
  }
}

variable "dead_letter_target_arn" {
  description = "SQS queue ARN for asynchronous invocations that failed every retry; null creates `<function_name>-dlq`."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the environment variables, the log group and the created DLQ; null uses AWS managed encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "alarm_topic_arn" {
  description = "SNS topic notified when the created dead-letter queue holds messages; null creates the alarm without notifications."
  type        = string
  default     = null
}
