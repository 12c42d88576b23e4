# The stock service on its own state. Build the zip first: `make package` writes dist/stock.zip.
module "stock" {
  source = "../../modules/stock"

  name_prefix                 = var.name_prefix
  lambda_zip                  = "${path.root}/../../../dist/stock.zip"
  log_level                   = var.log_level
  log_retention_days          = var.log_retention_days
  deletion_protection_enabled = var.deletion_protection_enabled
  force_destroy               = var.force_destroy
  event_bus_name              = var.event_bus_name
  alarm_topic_arn             = var.alarm_topic_arn
  tags                        = var.tags
}
