output "new_items_queue_url" {
  description = "URL of the NewItems queue: send {\"id\": ..., \"bakingTimeSecs\": N} here to bake a pizza."
  value       = module.new_items.url
}

output "new_items_queue_arn" {
  description = "ARN of the NewItems queue, for the policies of services that send pizzas."
  value       = module.new_items.arn
}

output "new_items_dead_letter_queue_url" {
  description = "URL of the NewItems dead-letter queue: messages that can never be baked (attribute RejectedReason) or failed every retry."
  value       = module.new_items.dead_letter_queue_url
}

output "waiting_items_queue_url" {
  description = "URL of the Waiting FIFO queue: pizzas waiting for a slot, in arrival order."
  value       = module.waiting.url
}

output "baked_items_queue_url" {
  description = "URL of the BakedItems FIFO queue: each baked pizza once, {\"id\", \"bakingTimeSecs\", \"bakedAt\"}."
  value       = module.baked_items.url
}

output "baked_items_queue_arn" {
  description = "ARN of the BakedItems FIFO queue, for the event source mappings and policies of its consumers."
  value       = module.baked_items.arn
}

output "oven_table" {
  description = "Name of the oven table: the capacity item, the load item and one item per pizza."
  value       = aws_dynamodb_table.oven.name
}

output "oven_table_arn" {
  description = "ARN of the oven table, for read-only policies of dashboards (oven status)."
  value       = aws_dynamodb_table.oven.arn
}

output "bake_state_machine_arn" {
  description = "ARN of the baking state machine (one execution per pizza, named after it)."
  value       = aws_sfn_state_machine.baking.arn
}

output "event_bus_arn" {
  description = "ARN of the shared bus this service publishes to and subscribes on."
  value       = data.aws_cloudwatch_event_bus.shared.arn
}

output "reconcile_function_name" {
  description = "Name of the reconcile function (it also runs on its schedule): invoke it to repair the oven at once."
  value       = module.reconcile.function_name
}
