output "name" {
  description = "Physical name of the queue (ends in .fifo for a FIFO queue)."
  value       = aws_sqs_queue.this.name
}

output "arn" {
  description = "ARN of the queue, for event source mappings, rule targets and senders' policies."
  value       = aws_sqs_queue.this.arn
}

output "url" {
  description = "URL of the queue, what SQS clients send to and receive from."
  value       = aws_sqs_queue.this.url
}

output "dead_letter_queue_name" {
  description = "Physical name of the dead-letter queue, or null without one."
  value       = try(aws_sqs_queue.dead_letter[0].name, null)
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue, or null without one."
  value       = try(aws_sqs_queue.dead_letter[0].arn, null)
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue (for code that moves a message aside at once), or null without one."
  value       = try(aws_sqs_queue.dead_letter[0].url, null)
}

output "depth_alarm_arn" {
  description = "ARN of the depth alarm on the dead-letter queue (or on the queue itself without one)."
  value       = aws_cloudwatch_metric_alarm.depth.arn
}
