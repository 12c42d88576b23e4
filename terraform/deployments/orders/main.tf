# The order workflows on their own state, beside the reservations service whose guarded path they use.
# Apply terraform/deployments/shared, stock, oven and reservations first; build the zip with
# `make package` (the workflows ship in dist/reservations.zip, package pizza_reservations.orders).
module "order_workflows" {
  source = "../../modules/order_workflows"

  name_prefix                     = var.name_prefix
  lambda_zip                      = "${path.root}/../../../dist/reservations.zip"
  reserve_stock_definition_file   = "${path.root}/../../../services/reservations/statemachines/reserve-stock.asl.json"
  purchase_order_definition_file  = "${path.root}/../../../services/reservations/statemachines/create-purchase-order.asl.json"
  order_definition_file           = "${path.root}/../../../services/reservations/statemachines/order.asl.json"
  stock_api_url                   = var.stock_api_url
  oven_new_items_queue_url        = var.oven_new_items_queue_url
  event_bus_name                  = var.event_bus_name
  reservations_commands_queue_url = var.reservations_commands_queue_url
  reservations_archive_bucket     = var.reservations_archive_bucket
  approval_timeout_seconds        = var.approval_timeout_seconds
  order_generator_enabled         = var.order_generator_enabled
  log_level                       = var.log_level
  log_retention_days              = var.log_retention_days
  deletion_protection_enabled     = var.deletion_protection_enabled
  alarm_topic_arn                 = var.alarm_topic_arn
  tags                            = var.tags
}
