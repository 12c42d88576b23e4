output "event_bus_name" {
  description = "Name of the shared EventBridge bus; pass it to each service deployment as `event_bus_name`."
  value       = aws_cloudwatch_event_bus.pizza.name
}

output "event_bus_arn" {
  description = "ARN of the shared EventBridge bus, for IAM policies that allow events:PutEvents on it."
  value       = aws_cloudwatch_event_bus.pizza.arn
}

output "event_archive_name" {
  description = "Name of the archive of every event on the bus (for `aws events start-replay`)."
  value       = aws_cloudwatch_event_archive.pizza.name
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies; pass it to each service deployment as `alarm_topic_arn`."
  value       = aws_sns_topic.alarms.arn
}
