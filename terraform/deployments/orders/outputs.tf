# The same output names as services/reservations/src/pizza_reservations/orders/stack.py declares, so tests
# and tools read a real deployment exactly as they read the local cloud's outputs.json.

output "orders_api_url" {
  description = "Base URL of the orders API (function URL, AWS_IAM)."
  value       = module.order_workflows.orders_api_url
}

output "api_invoke_policy_json" {
  description = "IAM policy a caller of the orders API needs."
  value       = module.order_workflows.api_invoke_policy_json
}

output "orders_table" {
  description = "Name of the orders table."
  value       = module.order_workflows.orders_table
}

output "purchase_orders_table" {
  description = "Name of the purchase-orders table."
  value       = module.order_workflows.purchase_orders_table
}

output "new_orders_queue_url" {
  description = "URL of the new orders queue."
  value       = module.order_workflows.new_orders_queue_url
}

output "new_orders_dlq_url" {
  description = "URL of the new orders' dead-letter queue."
  value       = module.order_workflows.new_orders_dlq_url
}

output "inventory_changes_queue_url" {
  description = "URL of the inventory changes queue."
  value       = module.order_workflows.inventory_changes_queue_url
}

output "purchase_requests_queue_url" {
  description = "URL of the purchase requests queue."
  value       = module.order_workflows.purchase_requests_queue_url
}

output "purchase_requests_dlq_url" {
  description = "URL of the purchase requests' dead-letter queue."
  value       = module.order_workflows.purchase_requests_dlq_url
}

output "reserve_stock_state_machine_arn" {
  description = "ARN of reserve-stock (Express)."
  value       = module.order_workflows.reserve_stock_state_machine_arn
}

output "purchase_order_state_machine_arn" {
  description = "ARN of create-purchase-order (Standard)."
  value       = module.order_workflows.purchase_order_state_machine_arn
}

output "order_state_machine_arn" {
  description = "ARN of the order workflow (Standard; one execution per order)."
  value       = module.order_workflows.order_state_machine_arn
}

output "notifications_topic_arn" {
  description = "ARN of the notifications topic."
  value       = module.order_workflows.notifications_topic_arn
}

output "event_bus_name" {
  description = "Name of the shared bus."
  value       = module.order_workflows.event_bus_name
}
