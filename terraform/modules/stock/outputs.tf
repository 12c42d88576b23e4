output "deliveries_bucket" {
  description = "Name of the bucket suppliers drop CSV deliveries into (reports appear under reports/)."
  value       = aws_s3_bucket.deliveries.id
}

output "deliveries_bucket_arn" {
  description = "ARN of the deliveries bucket, for granting suppliers s3:PutObject on `<arn>/*.csv`."
  value       = aws_s3_bucket.deliveries.arn
}

output "stock_table" {
  description = "Name of the stock DynamoDB table (levels, batches, deliveries, transactions)."
  value       = aws_dynamodb_table.stock.name
}

output "stock_table_stream_arn" {
  description = "ARN of the stock table's stream (NEW_AND_OLD_IMAGES)."
  value       = aws_dynamodb_table.stock.stream_arn
}

output "stock_levels_stream" {
  description = "Name of the Kinesis stream of level changes (partition key typeId, JSON {schemaVersion, typeId, quantity, version})."
  value       = aws_kinesis_stream.levels.name
}

output "stock_levels_stream_arn" {
  description = "ARN of the Kinesis stream of level changes, for consumers' policies."
  value       = aws_kinesis_stream.levels.arn
}

output "api_url" {
  description = "Base URL of the stock API, the api function's URL (IAM-authorised: sign requests with SigV4, service lambda)."
  value       = aws_lambda_function_url.api.function_url
}

output "api_function_arn" {
  description = "ARN of the function behind the API, for callers' lambda:InvokeFunctionUrl and lambda:InvokeFunction grants."
  value       = module.api.function_arn
}

output "api_invoke_policy_json" {
  description = "An IAM policy document letting a caller call the stock API (attach it to the caller's role)."
  value       = data.aws_iam_policy_document.api_callers.json
}

output "function_names" {
  description = "Names of the stock functions by role (ingest, expire, broadcast, api)."
  value = {
    ingest    = module.ingest.function_name
    expire    = module.expire.function_name
    broadcast = module.broadcast.function_name
    api       = module.api.function_name
  }
}

output "failure_queue_urls" {
  description = "URLs of the queues receiving stream records whose retries are spent, by function."
  value = {
    expire    = module.expire_failures.url
    broadcast = module.broadcast_failures.url
  }
}

output "event_bus_arn" {
  description = "ARN of the shared bus this service publishes to and subscribes on."
  value       = data.aws_cloudwatch_event_bus.shared.arn
}
