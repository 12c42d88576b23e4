# The EventBridge bus the services publish to and subscribe on. Services never read each other's tables:
# they learn what happened elsewhere from events on this bus (each service takes its name as `event_bus_name`).
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
