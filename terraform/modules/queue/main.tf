# One SQS queue done the way every queue of this repo is: encrypted, FIFO names ending in `.fifo`, a
# dead-letter queue after max_receive_count receives (kept 14 days, the most SQS allows, time to look and
# redrive), and an alarm on the dead-letter queue's depth. A queue that is itself the end of a failure path
# (dead_letter_queue = false) is watched by the same alarm.

locals {
  suffix          = var.fifo ? ".fifo" : ""
  queue_name      = "${var.name}${local.suffix}"
  dlq_name        = "${var.name}-dlq${local.suffix}"
  watched_name    = var.dead_letter_queue ? local.dlq_name : local.queue_name
  sqs_managed_sse = var.kms_key_arn == null ? true : null
  alarm_actions   = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
}

resource "aws_sqs_queue" "this" {
  name                        = local.queue_name
  fifo_queue                  = var.fifo
  content_based_deduplication = var.fifo ? var.content_based_deduplication : null
  visibility_timeout_seconds  = var.visibility_timeout_seconds
  delay_seconds               = var.delay_seconds
  message_retention_seconds   = var.message_retention_seconds
  sqs_managed_sse_enabled     = local.sqs_managed_sse
  kms_master_key_id           = var.kms_key_arn
  redrive_policy = var.dead_letter_queue ? jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[0].arn
    maxReceiveCount     = var.max_receive_count
  }) : null
  tags = var.tags
}

resource "aws_sqs_queue" "dead_letter" {
  count = var.dead_letter_queue ? 1 : 0

  name                      = local.dlq_name
  fifo_queue                = var.fifo
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

# Only this queue may redrive into its dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  count = var.dead_letter_queue ? 1 : 0

  queue_url = aws_sqs_queue.dead_letter[0].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

# A message in a dead-letter queue is a pizza, an order or a record that failed every retry: someone looks.
resource "aws_cloudwatch_metric_alarm" "depth" {
  alarm_name          = "${local.watched_name}-depth"
  alarm_description   = "Messages in ${local.watched_name}: they failed every retry; look at them and redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = local.watched_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = var.alarm_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  depends_on = [aws_sqs_queue.this, aws_sqs_queue.dead_letter]
}
