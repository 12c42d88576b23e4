# Order workflows on Step Functions and EventBridge (issue 14), on top of the reservations service. Storage
# and the notification topic are in storage.tf, queues and bus rules in events.tf, the state machines in
# state_machines.tf, IAM in iam.tf, the API in api.tf; the functions and their event sources are here.
#
#   bus: new-order-received --> new-orders queue --> intake --> reserve-stock (Express) --> steps
#        (an order with a kitchen part: the order workflow (Standard) --> steps --> stock API, oven NewItems)
#   bus: create-purchase-order --> purchase-requests queue --> purchasing --> create-purchase-order (Standard)
#   bus: inventory-changed --> inventory-changes queue --> inventory (check-inventory-level)
#   function URL (AWS_IAM) --> api: GET /orders/{id}, POST /orders/{id}/baked, /purchase-orders, POST .../approve|reject

data "aws_cloudwatch_event_bus" "shared" {
  name = var.event_bus_name
}

locals {
  observability_environment = {
    POWERTOOLS_SERVICE_NAME      = "orders"
    POWERTOOLS_METRICS_NAMESPACE = "CloudPizzaPlace"
    LOG_LEVEL                    = var.log_level
  }
  environment = merge(local.observability_environment, {
    ORDERS_TABLE                     = aws_dynamodb_table.orders.name
    PURCHASE_ORDERS_TABLE            = aws_dynamodb_table.purchase_orders.name
    RESERVE_STOCK_STATE_MACHINE_ARN  = aws_sfn_state_machine.reserve_stock.arn
    PURCHASE_ORDER_STATE_MACHINE_ARN = aws_sfn_state_machine.purchase_order.arn
    ORDER_STATE_MACHINE_ARN          = aws_sfn_state_machine.order.arn
    EVENT_BUS_NAME                   = data.aws_cloudwatch_event_bus.shared.name
    NOTIFICATIONS_TOPIC_ARN          = aws_sns_topic.notifications.arn
    NEW_ORDERS_DLQ_URL               = module.new_orders.dead_letter_queue_url
    PURCHASE_REQUESTS_DLQ_URL        = module.purchase_requests.dead_letter_queue_url
    HOLD_SECONDS                     = tostring(var.hold_seconds)
    LOW_STOCK_THRESHOLD              = tostring(var.low_stock_threshold)
    REORDER_QUANTITY                 = tostring(var.reorder_quantity)
    APPROVAL_TIMEOUT_SECONDS         = tostring(var.approval_timeout_seconds)
  })
  # The steps reserve and adjust through the reservations use cases, on that service's resources (named
  # by the reservations module's convention, `{prefix}-reservations-{thing}`; the archive bucket's name is
  # unique per account and region, so it comes from that deployment's output).
  reservations = {
    events    = "${var.name_prefix}-reservations-events"
    requests  = "${var.name_prefix}-reservations-requests"
    snapshots = "${var.name_prefix}-reservations-snapshots"
    items     = "${var.name_prefix}-reservations-items"
    gates     = "${var.name_prefix}-reservations-gates"
    archive   = var.reservations_archive_bucket
    changes   = "${var.name_prefix}-reservations-changes"
  }
  reserving_environment = merge(local.environment, {
    EVENTS_TABLE       = local.reservations.events
    REQUESTS_TABLE     = local.reservations.requests
    SNAPSHOTS_TABLE    = local.reservations.snapshots
    ITEMS_TABLE        = local.reservations.items
    GATES_TABLE        = local.reservations.gates
    ARCHIVE_BUCKET     = local.reservations.archive
    COMMANDS_QUEUE_URL = var.reservations_commands_queue_url
    CHANGES_STREAM     = local.reservations.changes
    # The kitchen's doors (the order workflow): the stock API and the oven's NewItems queue.
    STOCK_API_URL            = var.stock_api_url
    OVEN_NEW_ITEMS_QUEUE_URL = var.oven_new_items_queue_url
  })
  function_timeout = 30
}

module "intake" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-orders-intake"
  description           = "Starts reserve-stock (or the order workflow) for each new-order-received; malformed events go to the DLQ with their reason."
  handler               = "pizza_reservations.orders.handlers.intake.handler"
  zip_file              = var.lambda_zip
  timeout               = local.function_timeout
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.intake.json
  log_retention_days    = var.log_retention_days
  alarm_topic_arn       = var.alarm_topic_arn
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "purchasing" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-orders-purchasing"
  description           = "Raises at most one open purchase order per item for each create-purchase-order and starts its workflow."
  handler               = "pizza_reservations.orders.handlers.purchasing.handler"
  zip_file              = var.lambda_zip
  timeout               = local.function_timeout
  environment_variables = local.reserving_environment # an item with no events is not on the menu
  policy_json           = data.aws_iam_policy_document.purchasing.json
  log_retention_days    = var.log_retention_days
  alarm_topic_arn       = var.alarm_topic_arn
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "inventory" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-orders-inventory"
  description           = "check-inventory-level: one open purchase order per low item, OUT OF STOCK alerts at zero."
  handler               = "pizza_reservations.orders.handlers.inventory.handler"
  zip_file              = var.lambda_zip
  timeout               = local.function_timeout
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.inventory.json
  log_retention_days    = var.log_retention_days
  alarm_topic_arn       = var.alarm_topic_arn
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "steps" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-orders-steps"
  description           = "The state machines' tasks: place, reserve a line, tally, release, record, use ingredients, bake, confirm; request approval, supply, close."
  handler               = "pizza_reservations.orders.handlers.steps.handler"
  zip_file              = var.lambda_zip
  timeout               = local.function_timeout
  environment_variables = local.reserving_environment
  policy_json           = data.aws_iam_policy_document.steps.json
  log_retention_days    = var.log_retention_days
  alarm_topic_arn       = var.alarm_topic_arn
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "api" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-orders-api"
  description           = "GET /orders/{id}, POST /orders/{id}/baked, GET /purchase-orders[/{id}], POST /purchase-orders/{id}/approve|reject (function URL, AWS_IAM)."
  handler               = "pizza_reservations.orders.handlers.api.handler"
  zip_file              = var.lambda_zip
  timeout               = 29
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.api.json
  log_retention_days    = var.log_retention_days
  alarm_topic_arn       = var.alarm_topic_arn
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "generator" {
  source = "../lambda_function"

  function_name         = "${var.name_prefix}-orders-generator"
  description           = "Publishes random new-order-received events on its schedule (disabled unless order_generator_enabled)."
  handler               = "pizza_reservations.orders.handlers.generator.handler"
  zip_file              = var.lambda_zip
  timeout               = local.function_timeout
  environment_variables = local.environment
  policy_json           = data.aws_iam_policy_document.generator.json
  log_retention_days    = var.log_retention_days
  alarm_topic_arn       = var.alarm_topic_arn
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

resource "aws_lambda_event_source_mapping" "new_orders" {
  function_name           = module.intake.function_arn
  event_source_arn        = module.new_orders.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  # Lambda checks the role may read the source when the mapping is created: wait for its policies.
  depends_on = [module.intake]
}

resource "aws_lambda_event_source_mapping" "purchase_requests" {
  function_name           = module.purchasing.function_arn
  event_source_arn        = module.purchase_requests.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  depends_on = [module.purchasing]
}

resource "aws_lambda_event_source_mapping" "inventory_changes" {
  function_name           = module.inventory.function_arn
  event_source_arn        = module.inventory_changes.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  depends_on = [module.inventory]
}
