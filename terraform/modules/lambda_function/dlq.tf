# Asynchronous invocations (S3 notifications, EventBridge rules) that failed every retry land here, so no
# event is lost silently. Queue and stream sources have their own DLQ or on-failure destination.
resource "aws_sqs_queue" "dead_letter" {
  count = local.create_dead_letter_queue ? 1 : 0

  name                      = "${var.function_name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the most SQS keeps: time to look and redrive.
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}
