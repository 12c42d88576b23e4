# The oven service: capacity-limited baking. Storage is in storage.tf, queues in queues.tf, the baking state
# machine in state_machine.tf, IAM in iam.tf; the functions and their event sources are here.
#
#   NewItems --> bake --(slot free, nobody waiting)--> state machine: Wait bakingTimeSecs --> remove
#                  \--(full)--> Waiting line --(rings wake-ups)--> take-waiting --> state machine
#   remove: hands its slot to the head of the line (or frees it once and rings wake-ups) --> BakedItems
#   reconcile (every minute): starts what never started, takes out or fails what ended without removal,
#                             recounts the load, rings wake-ups

locals {
  # What every oven function reads from its environment besides the resources it touches.
  observability_environment = {
    POWERTOOLS_SERVICE_NAME      = "oven"
    POWERTOOLS_METRICS_NAMESPACE = "CloudPizzaPlace"
    LOG_LEVEL                    = var.log_level
  }
  function_timeout = 30
}

module "bake" {
  source = "../lambda_function"

  function_name = "${var.name_prefix}-oven-bake"
  description   = "Gives each pizza from NewItems a free slot and starts its baking, or puts it in the waiting line."
  handler       = "pizza_oven.handlers.bake.handler"
  zip_file      = var.lambda_zip
  timeout       = local.function_timeout

  environment_variables = merge(local.observability_environment, {
    OVEN_TABLE               = aws_dynamodb_table.oven.name
    WAITING_QUEUE_URL        = module.waiting.url
    WAKEUPS_QUEUE_URL        = module.wakeups.url
    NEW_ITEMS_DLQ_URL        = module.new_items.dead_letter_queue_url
    BAKE_STATE_MACHINE_ARN   = aws_sfn_state_machine.baking.arn
    DEFAULT_BAKING_TIME_SECS = tostring(var.default_baking_time_secs)
  })
  policy_json        = data.aws_iam_policy_document.bake.json
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  alarm_topic_arn    = var.alarm_topic_arn
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

module "take_waiting" {
  source = "../lambda_function"

  function_name = "${var.name_prefix}-oven-take-waiting"
  description   = "The baker: when woken, takes waiting pizzas into free slots, head of the line first."
  handler       = "pizza_oven.handlers.take_waiting.handler"
  zip_file      = var.lambda_zip
  timeout       = local.function_timeout

  environment_variables = merge(local.observability_environment, {
    OVEN_TABLE             = aws_dynamodb_table.oven.name
    WAITING_QUEUE_URL      = module.waiting.url
    WAKEUPS_QUEUE_URL      = module.wakeups.url
    BAKE_STATE_MACHINE_ARN = aws_sfn_state_machine.baking.arn
  })
  policy_json        = data.aws_iam_policy_document.take_waiting.json
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  alarm_topic_arn    = var.alarm_topic_arn
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

module "remove" {
  source = "../lambda_function"

  function_name = "${var.name_prefix}-oven-remove"
  description   = "Takes a baked pizza out: hands its slot to the head of the line (or frees it once and wakes the baker), puts it on BakedItems."
  handler       = "pizza_oven.handlers.remove.handler"
  zip_file      = var.lambda_zip
  timeout       = local.function_timeout

  environment_variables = merge(local.observability_environment, {
    OVEN_TABLE             = aws_dynamodb_table.oven.name
    BAKED_ITEMS_QUEUE_URL  = module.baked_items.url
    WAKEUPS_QUEUE_URL      = module.wakeups.url
    WAITING_QUEUE_URL      = module.waiting.url
    BAKE_STATE_MACHINE_ARN = local.baking_state_machine_arn
  })
  policy_json        = data.aws_iam_policy_document.remove.json
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  alarm_topic_arn    = var.alarm_topic_arn
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

resource "aws_lambda_event_source_mapping" "new_items" {
  function_name           = module.bake.function_arn
  event_source_arn        = module.new_items.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.bake_maximum_concurrency
  }

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.bake]
}

# FIFO with one message group: Lambda keeps one batch in flight, so bakers never run side by side.
resource "aws_lambda_event_source_mapping" "wakeups" {
  function_name           = module.take_waiting.function_arn
  event_source_arn        = module.wakeups.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.take_waiting]
}

module "reconcile" {
  source = "../lambda_function"

  function_name = "${var.name_prefix}-oven-reconcile"
  description   = "Every minute: starts bakings that never started, takes out or fails pizzas whose execution ended without removal, recounts the load."
  handler       = "pizza_oven.handlers.reconcile.handler"
  zip_file      = var.lambda_zip
  timeout       = local.function_timeout

  environment_variables = merge(local.observability_environment, {
    OVEN_TABLE             = aws_dynamodb_table.oven.name
    WAITING_QUEUE_URL      = module.waiting.url
    WAKEUPS_QUEUE_URL      = module.wakeups.url
    BAKED_ITEMS_QUEUE_URL  = module.baked_items.url
    NEW_ITEMS_DLQ_URL      = module.new_items.dead_letter_queue_url
    BAKE_STATE_MACHINE_ARN = aws_sfn_state_machine.baking.arn
  })
  policy_json        = data.aws_iam_policy_document.reconcile.json
  log_retention_days = var.log_retention_days
  log_level          = var.log_level
  alarm_topic_arn    = var.alarm_topic_arn
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

# The reconciler's schedule, on the default bus (schedules only run there).
resource "aws_cloudwatch_event_rule" "reconcile" {
  name                = "${var.name_prefix}-oven-reconcile"
  description         = "Runs the oven's reconciler: no leaked slot, no lost pizza."
  schedule_expression = var.reconcile_schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "reconcile" {
  rule = aws_cloudwatch_event_rule.reconcile.name
  arn  = module.reconcile.function_arn
}

resource "aws_lambda_permission" "reconcile_schedule" {
  statement_id  = "AllowTheReconcileSchedule"
  action        = "lambda:InvokeFunction"
  function_name = module.reconcile.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reconcile.arn
}
