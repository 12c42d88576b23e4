# The oven service in its own state. Build the zip first: `make package` writes dist/oven.zip.
module "oven" {
  source = "../../modules/oven"

  name_prefix                 = var.name_prefix
  lambda_zip                  = "${path.root}/../../../dist/oven.zip"
  baking_definition_file      = "${path.root}/../../../services/oven/statemachines/bake.asl.json"
  oven_capacity               = var.oven_capacity
  default_baking_time_secs    = var.default_baking_time_secs
  log_level                   = var.log_level
  log_retention_days          = var.log_retention_days
  deletion_protection_enabled = var.deletion_protection_enabled
  kms_key_arn                 = var.kms_key_arn
  event_bus_name              = var.event_bus_name
  alarm_topic_arn             = var.alarm_topic_arn
  tags                        = var.tags
}
