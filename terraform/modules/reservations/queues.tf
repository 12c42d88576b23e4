# Checkout (confirm) and adjustment commands, with a dead-letter queue; and one failure queue per stream
# consumer, for records whose retries are spent. Every one through ../queue, with its depth alarm.

# Visibility is six times the commands function's timeout, as Lambda advises for queue sources.
module "commands_queue" {
  source = "../queue"

  name                       = "${var.name_prefix}-reservations-commands"
  visibility_timeout_seconds = 180
  max_receive_count          = 5
  alarm_topic_arn            = var.alarm_topic_arn
  kms_key_arn                = var.kms_key_arn
  tags                       = var.tags
}

module "fanout_failures" {
  source = "../queue"

  name                      = "${var.name_prefix}-reservations-fanout-failures"
  message_retention_seconds = 1209600
  dead_letter_queue         = false
  alarm_topic_arn           = var.alarm_topic_arn
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags
}

module "snapshots_failures" {
  source = "../queue"

  name                      = "${var.name_prefix}-reservations-snapshots-failures"
  message_retention_seconds = 1209600
  dead_letter_queue         = false
  alarm_topic_arn           = var.alarm_topic_arn
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags
}

module "projection_failures" {
  source = "../queue"

  name                      = "${var.name_prefix}-reservations-projection-failures"
  message_retention_seconds = 1209600
  dead_letter_queue         = false
  alarm_topic_arn           = var.alarm_topic_arn
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags
}
