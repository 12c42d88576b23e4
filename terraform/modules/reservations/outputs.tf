output "reservations_api_url" {
  description = "Base URL of the reservations API, a Lambda function URL (AWS_IAM: sign SigV4 for the service lambda)."
  value       = aws_lambda_function_url.api.function_url
}

output "api_function_arn" {
  description = "ARN of the api function, for the policies of callers (lambda:InvokeFunctionUrl and lambda:InvokeFunction)."
  value       = module.api.function_arn
}

output "api_invoke_policy_json" {
  description = "An IAM policy document letting a caller call the reservations API (attach it to the caller's role)."
  value       = data.aws_iam_policy_document.api_callers.json
}

output "events_table" {
  description = "Name of the events table (pk = item, sk = version): the source of truth."
  value       = aws_dynamodb_table.events.name
}

output "requests_table" {
  description = "Name of the requests table: reservations and adjustments by id."
  value       = aws_dynamodb_table.requests.name
}

output "snapshots_table" {
  description = "Name of the snapshots table."
  value       = aws_dynamodb_table.snapshots.name
}

output "items_table" {
  description = "Name of the items table (the projection)."
  value       = aws_dynamodb_table.items.name
}

output "gates_table" {
  description = "Name of the gates table (pk = item): the version and free units every append takes from."
  value       = aws_dynamodb_table.gates.name
}

output "archive_bucket" {
  description = "Name of the archive bucket (events as JSON Lines under items/)."
  value       = aws_s3_bucket.archive.bucket
}

output "changes_stream" {
  description = "Name of the changes Kinesis stream: every event once, an item's run of events a record (events/item-changes.schema.json), partition key = item (for more readers, such as the order workflows)."
  value       = aws_kinesis_stream.changes.name
}

output "changes_stream_arn" {
  description = "ARN of the changes Kinesis stream, for the event source mappings and policies of its readers."
  value       = aws_kinesis_stream.changes.arn
}

output "commands_queue_url" {
  description = "URL of the commands queue (confirm and adjust commands)."
  value       = module.commands_queue.url
}

output "event_bus_name" {
  description = "Name of the shared bus inventory-changed is published on."
  value       = data.aws_cloudwatch_event_bus.shared.name
}

output "function_names" {
  description = "Names of the reservations functions by role."
  value = {
    api        = module.api.function_name
    commands   = module.commands.function_name
    sweep      = module.sweep.function_name
    fanout     = module.fanout.function_name
    snapshots  = module.snapshots.function_name
    projection = module.projection.function_name
  }
}

output "failure_queue_urls" {
  description = "URLs of the dead-letter and failure queues, by what feeds them."
  value = {
    commands   = module.commands_queue.dead_letter_queue_url
    fanout     = module.fanout_failures.url
    snapshots  = module.snapshots_failures.url
    projection = module.projection_failures.url
  }
}
