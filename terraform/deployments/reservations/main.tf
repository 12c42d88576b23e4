# The reservations service on its own state. Build the zip first: `make package` writes
# dist/reservations.zip. Apply terraform/deployments/shared first: the shared bus is found by name.
module "reservations" {
  source = "../../modules/reservations"

  name_prefix                 = var.name_prefix
  lambda_zip                  = "${path.root}/../../../dist/reservations.zip"
  event_bus_name              = var.event_bus_name
  log_level                   = var.log_level
  log_retention_days          = var.log_retention_days
  deletion_protection_enabled = var.deletion_protection_enabled
  force_destroy               = var.force_destroy
  alarm_topic_arn             = var.alarm_topic_arn
  tags                        = var.tags
}
