# The stock service: ingredient batches from CSV deliveries, TTL expiry, the usage API, level broadcasts.
# Storage is in storage.tf, the functions and their event sources here, IAM in iam.tf, the function URL in api.tf.

data "aws_caller_identity" "current" {}

locals {
  # What every stock function reads from its environment besides the resources it touches.
  observability_environment = {
    POWERTOOLS_SERVICE_NAME      = "stock"
    POWERTOOLS_METRICS_NAMESPACE = "CloudPizzaPlace"
    LOG_LEVEL                    = var.log_level
  }
}

module "ingest" {
  source = "../lambda_function"

  function_name = "${var.name_prefix}-stock-ingest"
  description   = "Adds the batches of a CSV delivery, once, and writes its report."
  handler       = "pizza_stock.handlers.ingest.handler"
  zip_file      = var.lambda_zip
  memory_size   = 512
  timeout       = 900

  environment_variables = merge(local.observability_environment, {
    STOCK_TABLE = aws_dynamodb_table.stock.name
  })
  policy_json        = data.aws_iam_policy_document.ingest.json
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  alarm_topic_arn    = var.alarm_topic_arn
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

module "expire" {
  source = "../lambda_function"

  function_name = "${var.name_prefix}-stock-expire"
  description   = "Takes batches past their best-before (TTL removals and a sweep each minute) off their ingredient, once."
  handler       = "pizza_stock.handlers.expire.handler"
  zip_file      = var.lambda_zip
  timeout       = 60

  environment_variables = merge(local.observability_environment, {
    STOCK_TABLE = aws_dynamodb_table.stock.name
  })
  policy_json        = data.aws_iam_policy_document.expire.json
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  alarm_topic_arn    = var.alarm_topic_arn
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

module "broadcast" {
  source = "../lambda_function"

  function_name = "${var.name_prefix}-stock-broadcast"
  description   = "Puts every change of an ingredient's level on the Kinesis levels stream."
  handler       = "pizza_stock.handlers.broadcast.handler"
  zip_file      = var.lambda_zip
  timeout       = 60

  environment_variables = merge(local.observability_environment, {
    STOCK_LEVELS_STREAM = aws_kinesis_stream.levels.name
  })
  policy_json        = data.aws_iam_policy_document.broadcast.json
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  alarm_topic_arn    = var.alarm_topic_arn
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

module "api" {
  source = "../lambda_function"

  function_name = "${var.name_prefix}-stock-api"
  description   = "GET /stock, GET /stock/{typeId}, POST /transactions."
  handler       = "pizza_stock.handlers.api.handler"
  zip_file      = var.lambda_zip
  timeout       = 29

  reserved_concurrent_executions = var.api_reserved_concurrency

  environment_variables = merge(local.observability_environment, {
    STOCK_TABLE = aws_dynamodb_table.stock.name
  })
  policy_json        = data.aws_iam_policy_document.api.json
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  alarm_topic_arn    = var.alarm_topic_arn
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

resource "aws_lambda_permission" "deliveries_invoke_ingest" {
  statement_id   = "AllowDeliveriesBucket"
  action         = "lambda:InvokeFunction"
  function_name  = module.ingest.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.deliveries.arn
  source_account = data.aws_caller_identity.current.account_id
}

# Every minute, batches past their best-before leave their ingredient, whatever TTL's lag (it can be days).
resource "aws_cloudwatch_event_rule" "expire_sweep" {
  name                = "${var.name_prefix}-stock-expire-sweep"
  description         = "Sweep batches past their best-before off their ingredients"
  schedule_expression = "rate(1 minute)"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "expire_sweep" {
  rule = aws_cloudwatch_event_rule.expire_sweep.name
  arn  = module.expire.function_arn
}

resource "aws_lambda_permission" "expire_sweep" {
  statement_id  = "AllowExpireSweepSchedule"
  action        = "lambda:InvokeFunction"
  function_name = module.expire.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.expire_sweep.arn
}

# Stream records whose retries are spent land here, with the shard and sequence numbers to replay them.
# They are the end of the failure path (no DLQ of their own): the depth alarm watches them.
module "expire_failures" {
  source = "../queue"

  name                      = "${var.name_prefix}-stock-expire-failures"
  message_retention_seconds = 1209600
  dead_letter_queue         = false
  alarm_topic_arn           = var.alarm_topic_arn
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags
}

moved {
  from = aws_sqs_queue.expire_failures
  to   = module.expire_failures.aws_sqs_queue.this
}

moved {
  from = aws_sqs_queue.broadcast_failures
  to   = module.broadcast_failures.aws_sqs_queue.this
}

module "broadcast_failures" {
  source = "../queue"

  name                      = "${var.name_prefix}-stock-broadcast-failures"
  message_retention_seconds = 1209600
  dead_letter_queue         = false
  alarm_topic_arn           = var.alarm_topic_arn
  kms_key_arn               = var.kms_key_arn
  tags                      = var.tags
}

# Only TTL's own deletions of batch rows: a batch drained by usage is deleted by the API, not by TTL, and
# its REMOVE record carries no TTL identity.
resource "aws_lambda_event_source_mapping" "expire" {
  function_name                      = module.expire.function_arn
  event_source_arn                   = aws_dynamodb_table.stock.stream_arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 0
  maximum_retry_attempts             = 10
  function_response_types            = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode({
        eventName    = ["REMOVE"]
        userIdentity = { type = ["Service"], principalId = ["dynamodb.amazonaws.com"] }
        dynamodb     = { Keys = { sk = { S = [{ prefix = "BATCH#" }] } } }
      })
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.expire_failures.arn
    }
  }

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.expire]
}

# Only level rows, created or changed.
resource "aws_lambda_event_source_mapping" "broadcast" {
  function_name                      = module.broadcast.function_arn
  event_source_arn                   = aws_dynamodb_table.stock.stream_arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 0
  maximum_retry_attempts             = 10
  function_response_types            = ["ReportBatchItemFailures"]

  filter_criteria {
    filter {
      pattern = jsonencode({
        eventName = ["INSERT", "MODIFY"]
        dynamodb  = { Keys = { sk = { S = ["AGGREGATE"] } } }
      })
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.broadcast_failures.arn
    }
  }

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.broadcast]
}
