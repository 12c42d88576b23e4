# The reservations service: event-sourced inventory of the sellable items. Storage is in storage.tf, queues
# and alarms in queues.tf, IAM in iam.tf; the functions, their event sources and the API here.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

# The shared bus, made by terraform/deployments/shared: plan fails here, naming it, if that was not applied.
data "aws_cloudwatch_event_bus" "shared" {
  name = var.event_bus_name
}

locals {
  # Every reservations function reads the same variables; its role decides what it may touch.
  environment = {
    POWERTOOLS_SERVICE_NAME      = "reservations"
    POWERTOOLS_METRICS_NAMESPACE = "CloudPizzaPlace"
    LOG_LEVEL                    = var.log_level
    EVENTS_TABLE                 = aws_dynamodb_table.events.name
    REQUESTS_TABLE               = aws_dynamodb_table.requests.name
    GATES_TABLE                  = aws_dynamodb_table.gates.name
    SNAPSHOTS_TABLE              = aws_dynamodb_table.snapshots.name
    ITEMS_TABLE                  = aws_dynamodb_table.items.name
    ARCHIVE_BUCKET               = aws_s3_bucket.archive.bucket
    COMMANDS_QUEUE_URL           = module.commands_queue.url
    CHANGES_STREAM               = aws_kinesis_stream.changes.name
    EVENT_BUS_NAME               = data.aws_cloudwatch_event_bus.shared.name
    SNAPSHOT_EVERY               = tostring(var.snapshot_every)
    HOT_RETENTION_DAYS           = tostring(var.hot_retention_days)
  }
}

module "api" {
  source = "../lambda_function"

  function_name                  = "${var.name_prefix}-reservations-api"
  description                    = "POST /reservations, GET|DELETE /reservations/{id}, confirm, adjustments, GET /items..."
  handler                        = "pizza_reservations.handlers.api.handler"
  zip_file                       = var.lambda_zip
  timeout                        = 29
  reserved_concurrent_executions = var.api_reserved_concurrency
  environment_variables          = local.environment
  policy_json                    = data.aws_iam_policy_document.api.json
  log_retention_days             = var.log_retention_days
  kms_key_arn                    = var.kms_key_arn
  tags                           = var.tags
}

module "commands" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-reservations-commands"
  description           = "Applies confirm and adjust commands from the commands queue, each exactly once."
  handler               = "pizza_reservations.handlers.commands.handler"
  zip_file              = var.lambda_zip
  timeout               = 30
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.commands.json
  log_retention_days    = var.log_retention_days
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "sweep" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-reservations-sweep"
  description           = "Every minute: records Released for every expired hold, exactly once."
  handler               = "pizza_reservations.handlers.sweep.handler"
  zip_file              = var.lambda_zip
  timeout               = 55
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.sweep.json
  log_retention_days    = var.log_retention_days
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "fanout" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-reservations-fanout"
  description           = "The events table's one stream reader: every new event onto the changes stream."
  handler               = "pizza_reservations.handlers.fanout.handler"
  zip_file              = var.lambda_zip
  timeout               = 60
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.fanout.json
  log_retention_days    = var.log_retention_days
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "snapshots" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-reservations-snapshots"
  description           = "Archives events to S3, snapshots items, lets covered events expire from the hot table."
  handler               = "pizza_reservations.handlers.snapshots.handler"
  zip_file              = var.lambda_zip
  timeout               = 60
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.snapshots.json
  log_retention_days    = var.log_retention_days
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "projection" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-reservations-projection"
  description           = "Folds events into the items table and publishes inventory-changed on the shared bus."
  handler               = "pizza_reservations.handlers.projection.handler"
  zip_file              = var.lambda_zip
  timeout               = 60
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.projection.json
  log_retention_days    = var.log_retention_days
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

# The API is the api function's URL (docs/decisions.md: function URLs), payload 2.0, routed by the
# function, every request IAM-authorised (callers sign SigV4 for the service `lambda`).
resource "aws_lambda_function_url" "api" {
  function_name      = module.api.function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = "BUFFERED"
}

data "aws_iam_policy_document" "api_callers" {
  statement {
    sid       = "CallReservationsApi"
    actions   = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
    resources = [module.api.function_arn]
  }
}

resource "aws_lambda_event_source_mapping" "commands" {
  function_name                      = module.commands.function_arn
  event_source_arn                   = module.commands_queue.arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 0
  function_response_types            = ["ReportBatchItemFailures"]

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.commands]
}

# New events only: the re-writes that set an event's TTL (MODIFY) and TTL's removals (REMOVE) are not changes.
resource "aws_lambda_event_source_mapping" "fanout" {
  function_name                      = module.fanout.function_arn
  event_source_arn                   = aws_dynamodb_table.events.stream_arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 0
  maximum_retry_attempts             = 10
  function_response_types            = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode({ eventName = ["INSERT"] })
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.fanout_failures.arn
    }
  }

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.fanout]
}

resource "aws_lambda_event_source_mapping" "snapshots" {
  function_name                      = module.snapshots.function_arn
  event_source_arn                   = aws_kinesis_stream.changes.arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 0
  maximum_retry_attempts             = 10
  function_response_types            = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = module.snapshots_failures.arn
    }
  }

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.snapshots]
}

resource "aws_lambda_event_source_mapping" "projection" {
  function_name                      = module.projection.function_arn
  event_source_arn                   = aws_kinesis_stream.changes.arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 0
  maximum_retry_attempts             = 10
  function_response_types            = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = module.projection_failures.arn
    }
  }

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.projection]
}

# The expiry sweep, every minute. Availability never waits for it: it only records what expired.
resource "aws_cloudwatch_event_rule" "sweep" {
  name                = "${var.name_prefix}-reservations-sweep"
  description         = "Records Released for every expired hold."
  schedule_expression = "rate(1 minute)"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "sweep" {
  rule = aws_cloudwatch_event_rule.sweep.name
  arn  = module.sweep.function_arn
}

resource "aws_lambda_permission" "schedule_invokes_sweep" {
  statement_id   = "AllowSweepSchedule"
  action         = "lambda:InvokeFunction"
  function_name  = module.sweep.function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.sweep.arn
  source_account = data.aws_caller_identity.current.account_id
}
