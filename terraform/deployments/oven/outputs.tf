# The names services/oven/src/pizza_oven/stack.py declares, so `terraform output -json` drives the same
# tests and CLI as the local cloud's outputs.json.
output "new_items_queue_url" {
  description = "URL of the NewItems queue: send {\"id\": ..., \"bakingTimeSecs\": N} here to bake a pizza."
  value       = module.oven.new_items_queue_url
}

output "waiting_items_queue_url" {
  description = "URL of the Waiting FIFO queue: pizzas waiting for a slot, in arrival order."
  value       = module.oven.waiting_items_queue_url
}

output "baked_items_queue_url" {
  description = "URL of the BakedItems FIFO queue: each baked pizza once."
  value       = module.oven.baked_items_queue_url
}

output "oven_table" {
  description = "Name of the oven table (capacity, load and pizza items)."
  value       = module.oven.oven_table
}

output "bake_state_machine_arn" {
  description = "ARN of the baking state machine."
  value       = module.oven.bake_state_machine_arn
}

output "new_items_dead_letter_queue_url" {
  description = "URL of the NewItems dead-letter queue (rejected pizzas carry the attribute RejectedReason)."
  value       = module.oven.new_items_dead_letter_queue_url
}

output "reconcile_function_name" {
  description = "Name of the reconcile function: invoke it to repair the oven at once (it also runs on its schedule)."
  value       = module.oven.reconcile_function_name
}
