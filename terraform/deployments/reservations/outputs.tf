# The same output names as services/reservations/src/pizza_reservations/stack.py declares, so tests and
# tools read a real deployment exactly as they read the local cloud's outputs.json.
output "reservations_api_url" {
  description = "Base URL of the reservations API, a Lambda function URL (AWS_IAM: sign SigV4 for the service lambda)."
  value       = module.reservations.reservations_api_url
}

output "events_table" {
  description = "Name of the events table."
  value       = module.reservations.events_table
}

output "requests_table" {
  description = "Name of the requests table."
  value       = module.reservations.requests_table
}

output "snapshots_table" {
  description = "Name of the snapshots table."
  value       = module.reservations.snapshots_table
}

output "gates_table" {
  description = "Name of the gates table (pk = item): the version and free units every append takes from."
  value       = module.reservations.gates_table
}

output "items_table" {
  description = "Name of the items table (the projection)."
  value       = module.reservations.items_table
}

output "archive_bucket" {
  description = "Name of the archive bucket."
  value       = module.reservations.archive_bucket
}

output "changes_stream" {
  description = "Name of the changes Kinesis stream."
  value       = module.reservations.changes_stream
}

output "commands_queue_url" {
  description = "URL of the commands queue."
  value       = module.reservations.commands_queue_url
}

output "event_bus_name" {
  description = "Name of the shared bus inventory-changed is published on."
  value       = module.reservations.event_bus_name
}
