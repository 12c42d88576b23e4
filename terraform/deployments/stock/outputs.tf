# The same output names as services/stock/src/pizza_stock/stack.py declares, so tests and tools read a
# real deployment exactly as they read the local cloud's outputs.json.
output "deliveries_bucket" {
  description = "Name of the bucket suppliers drop CSV deliveries into."
  value       = module.stock.deliveries_bucket
}

output "stock_table" {
  description = "Name of the stock DynamoDB table."
  value       = module.stock.stock_table
}

output "stock_levels_stream" {
  description = "Name of the Kinesis stream of level changes."
  value       = module.stock.stock_levels_stream
}

output "api_url" {
  description = "Base URL of the stock API, a Lambda function URL (AWS_IAM: sign SigV4 for the service lambda)."
  value       = module.stock.api_url
}
