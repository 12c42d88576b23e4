# Asynchronous invocations (S3 notifications, EventBridge rules) that failed every retry land here, so no
# event is lost silently. Queue and stream sources have their own DLQ or on-failure destination. The queue
# is the end of the failure path: ../queue makes it without a DLQ of its own, with a depth alarm on it.
module "dead_letter" {
  source = "../queue"
  count  = local.create_dead_letter_queue ? 1 : 0

  name                      = "${var.function_name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the most SQS keeps: time to look and redrive.
  dead_letter_queue         = false
  alarm_topic_arn           = var.alarm_topic_arn
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags
}

# State written before the DLQ moved into ../queue: moved, not replaced.
moved {
  from = aws_sqs_queue.dead_letter[0]
  to   = module.dead_letter[0].aws_sqs_queue.this
}
