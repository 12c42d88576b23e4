# Rules name the bus by var.event_bus_name (main.tf's data source fails the plan first when it is missing).
# Each bus rule feeds a queue (with its DLQ and depth alarm, ../queue) that a function reads with partial
# batch responses: a failed record is retried alone, one bad record never blocks the others.

module "new_orders" {
  source = "../queue"

  name                       = "${var.name_prefix}-orders-new-orders"
  visibility_timeout_seconds = 180
  max_receive_count          = 5
  alarm_topic_arn            = var.alarm_topic_arn
  kms_key_arn                = var.kms_key_arn
  tags                       = var.tags
}

module "purchase_requests" {
  source = "../queue"

  name                       = "${var.name_prefix}-orders-purchase-requests"
  visibility_timeout_seconds = 180
  max_receive_count          = 5
  alarm_topic_arn            = var.alarm_topic_arn
  kms_key_arn                = var.kms_key_arn
  tags                       = var.tags
}

module "inventory_changes" {
  source = "../queue"

  name                       = "${var.name_prefix}-orders-inventory-changes"
  visibility_timeout_seconds = 180
  max_receive_count          = 5
  alarm_topic_arn            = var.alarm_topic_arn
  kms_key_arn                = var.kms_key_arn
  tags                       = var.tags
}

locals {
  bus_rules = {
    new_order_received = {
      name        = "${var.name_prefix}-orders-new-order-received"
      source      = "pizza.orders"
      detail_type = "new-order-received"
      queue_arn   = module.new_orders.arn
      queue_url   = module.new_orders.url
    }
    create_purchase_order = {
      name        = "${var.name_prefix}-orders-create-purchase-order"
      source      = "pizza.orders"
      detail_type = "create-purchase-order"
      queue_arn   = module.purchase_requests.arn
      queue_url   = module.purchase_requests.url
    }
    inventory_changed = {
      name        = "${var.name_prefix}-orders-inventory-changed"
      source      = "pizza.reservations"
      detail_type = "inventory-changed"
      queue_arn   = module.inventory_changes.arn
      queue_url   = module.inventory_changes.url
    }
  }
}

resource "aws_cloudwatch_event_rule" "new_order_received" {
  name           = local.bus_rules.new_order_received.name
  description    = "Orders placed: reserve-stock for each."
  event_bus_name = var.event_bus_name
  event_pattern  = jsonencode({ source = ["pizza.orders"], detail-type = ["new-order-received"] })
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "new_order_received" {
  rule           = aws_cloudwatch_event_rule.new_order_received.name
  event_bus_name = var.event_bus_name
  arn            = module.new_orders.arn
}

resource "aws_cloudwatch_event_rule" "create_purchase_order" {
  name           = local.bus_rules.create_purchase_order.name
  description    = "Short orders ask for stock: at most one open purchase order per item."
  event_bus_name = var.event_bus_name
  event_pattern  = jsonencode({ source = ["pizza.orders"], detail-type = ["create-purchase-order"] })
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "create_purchase_order" {
  rule           = aws_cloudwatch_event_rule.create_purchase_order.name
  event_bus_name = var.event_bus_name
  arn            = module.purchase_requests.arn
}

resource "aws_cloudwatch_event_rule" "inventory_changed" {
  name           = local.bus_rules.inventory_changed.name
  description    = "Every change of a sellable item: check-inventory-level."
  event_bus_name = var.event_bus_name
  event_pattern  = jsonencode({ source = ["pizza.reservations"], detail-type = ["inventory-changed"] })
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "inventory_changed" {
  rule           = aws_cloudwatch_event_rule.inventory_changed.name
  event_bus_name = var.event_bus_name
  arn            = module.inventory_changes.arn
}

# EventBridge may send to each queue, and only from its own rule.
data "aws_iam_policy_document" "bus_to_queue" {
  for_each = local.bus_rules

  statement {
    sid       = "FromTheSharedBusRule"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.queue_arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:rule/${data.aws_cloudwatch_event_bus.shared.name}/${each.value.name}"]
    }
  }
}

resource "aws_sqs_queue_policy" "bus_to_queue" {
  for_each = local.bus_rules

  queue_url = each.value.queue_url
  policy    = data.aws_iam_policy_document.bus_to_queue[each.key].json
}

# The order generator (the original's): disabled unless order_generator_enabled.
resource "aws_cloudwatch_event_rule" "generator" {
  name                = "${var.name_prefix}-orders-generator"
  description         = "Random orders every minute, for demos."
  schedule_expression = "rate(1 minute)"
  state               = var.order_generator_enabled ? "ENABLED" : "DISABLED"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "generator" {
  rule = aws_cloudwatch_event_rule.generator.name
  arn  = module.generator.function_arn
}

resource "aws_lambda_permission" "generator" {
  statement_id  = "AllowTheSchedule"
  action        = "lambda:InvokeFunction"
  function_name = module.generator.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.generator.arn
}
