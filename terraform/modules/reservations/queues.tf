# Checkout (confirm) and adjustment commands, with a dead-letter queue; and one failure queue per stream
# consumer, for records whose retries are spent.
locals {
  dlq_retention_seconds = 1209600 # 14 days, the most SQS keeps: time to look and redrive
  sqs_managed_sse       = var.kms_key_arn == null ? true : null
}

# Visibility is six times the commands function's timeout, as Lambda advises for queue sources.
resource "aws_sqs_queue" "commands" {
  name                       = "${var.name_prefix}-reservations-commands"
  visibility_timeout_seconds = 180
  sqs_managed_sse_enabled    = local.sqs_managed_sse
  kms_master_key_id          = var.kms_key_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.commands_dlq.arn
    maxReceiveCount     = 5
  })
  tags = var.tags
}

resource "aws_sqs_queue" "commands_dlq" {
  name                      = "${var.name_prefix}-reservations-commands-dlq"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue" "fanout_failures" {
  name                      = "${var.name_prefix}-reservations-fanout-failures"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue" "snapshots_failures" {
  name                      = "${var.name_prefix}-reservations-snapshots-failures"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue" "projection_failures" {
  name                      = "${var.name_prefix}-reservations-projection-failures"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

# Anything in a dead-letter or failure queue is work that did not happen: someone should look.
resource "aws_cloudwatch_metric_alarm" "queue_not_empty" {
  for_each = {
    commands-dlq        = aws_sqs_queue.commands_dlq.name
    fanout-failures     = aws_sqs_queue.fanout_failures.name
    snapshots-failures  = aws_sqs_queue.snapshots_failures.name
    projection-failures = aws_sqs_queue.projection_failures.name
  }

  alarm_name          = "${var.name_prefix}-reservations-${each.key}-not-empty"
  alarm_description   = "${each.value} holds messages whose processing failed every retry."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  ok_actions          = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  tags                = var.tags
}
