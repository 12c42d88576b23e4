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
  description = "Base URL of the stock HTTP API (IAM-authorised: sign requests with SigV4, service execute-api)."
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "api_execution_arn" {
  description = "Execution ARN of the HTTP API, for callers' execute-api:Invoke policies (`<arn>/*/POST/transactions`)."
  value       = aws_apigatewayv2_api.stock.execution_arn
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
    expire    = aws_sqs_queue.expire_failures.url
    broadcast = aws_sqs_queue.broadcast_failures.url
  }
}
