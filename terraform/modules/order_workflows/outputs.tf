# The same output names as services/reservations/src/pizza_reservations/orders/stack.py declares.

output "orders_api_url" {
  description = "Base URL of the orders API, a Lambda function URL (AWS_IAM: sign SigV4 for the service lambda)."
  value       = aws_lambda_function_url.api.function_url
}

output "api_invoke_policy_json" {
  description = "IAM policy document a caller's role needs to call the orders API (approvers, the shop)."
  value       = data.aws_iam_policy_document.api_callers.json
}

output "orders_table" {
  description = "Name of the orders table."
  value       = aws_dynamodb_table.orders.name
}

output "purchase_orders_table" {
  description = "Name of the purchase-orders table."
  value       = aws_dynamodb_table.purchase_orders.name
}

output "new_orders_queue_url" {
  description = "URL of the queue the new-order-received rule feeds."
  value       = module.new_orders.url
}

output "new_orders_dlq_url" {
  description = "URL of the new orders' dead-letter queue (malformed events arrive with a `reason` attribute)."
  value       = module.new_orders.dead_letter_queue_url
}

output "inventory_changes_queue_url" {
  description = "URL of the queue the inventory-changed rule feeds (check-inventory-level reads it)."
  value       = module.inventory_changes.url
}

output "purchase_requests_queue_url" {
  description = "URL of the queue the create-purchase-order rule feeds."
  value       = module.purchase_requests.url
}

output "purchase_requests_dlq_url" {
  description = "URL of the purchase requests' dead-letter queue (malformed ones and unknown items, with a `reason` attribute)."
  value       = module.purchase_requests.dead_letter_queue_url
}

output "reserve_stock_state_machine_arn" {
  description = "ARN of reserve-stock (Express)."
  value       = aws_sfn_state_machine.reserve_stock.arn
}

output "purchase_order_state_machine_arn" {
  description = "ARN of create-purchase-order (Standard; executions named by the purchase order)."
  value       = aws_sfn_state_machine.purchase_order.arn
}

output "order_state_machine_arn" {
  description = "ARN of the order workflow (Standard; one execution per order, named by the order id)."
  value       = aws_sfn_state_machine.order.arn
}

output "notifications_topic_arn" {
  description = "ARN of the notifications topic (approval requests, short orders, OUT OF STOCK alerts): subscribe approvers here."
  value       = aws_sns_topic.notifications.arn
}

output "event_bus_name" {
  description = "Name of the shared bus the workflows publish on and listen to."
  value       = data.aws_cloudwatch_event_bus.shared.name
}
