# The EventBridge bus the services publish to and subscribe on. Services never read each other's tables:
# they learn what happened elsewhere from events on this bus. Each service deployment takes its name as
# `event_bus_name` and finds it with a data source, so this root is applied first.
resource "aws_cloudwatch_event_bus" "pizza" {
  name = "${var.name_prefix}-shared-events"
}

# Every event is archived, so a consumer that was down or buggy can be replayed to.
resource "aws_cloudwatch_event_archive" "pizza" {
  name             = "${var.name_prefix}-shared-events"
  description      = "Every event on ${aws_cloudwatch_event_bus.pizza.name}, for replay."
  event_source_arn = aws_cloudwatch_event_bus.pizza.arn
  retention_days   = var.event_archive_retention_days
}

# Where every alarm of the services goes (DLQ depths, failed executions): subscribe your pager or e-mail.
# Each service deployment takes its ARN as `alarm_topic_arn` (the output below).
resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-shared-alarms"
  kms_master_key_id = "alias/aws/sns"
}
