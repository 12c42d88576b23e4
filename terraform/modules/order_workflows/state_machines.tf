# The ASL templates come in as variables (the deployment passes services/reservations/statemachines/*.asl.json,
# the files the local cloud runs); the partition is passed in, never written as `aws` in the files.

resource "aws_sfn_state_machine" "reserve_stock" {
  name     = "${var.name_prefix}-orders-reserve-stock"
  type     = "EXPRESS"
  role_arn = aws_iam_role.reserve_stock.arn

  definition = templatefile(var.reserve_stock_definition_file, {
    partition               = data.aws_partition.current.partition
    steps_function_arn      = module.steps.function_arn
    event_bus_name          = data.aws_cloudwatch_event_bus.shared.name
    notifications_topic_arn = aws_sns_topic.notifications.arn
  })

  # Express executions are only visible in their logs: errors with their data (order ids, items; no secrets).
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.reserve_stock.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.reserve_stock]
  tags       = var.tags
}

resource "aws_sfn_state_machine" "purchase_order" {
  name     = "${var.name_prefix}-orders-create-purchase-order"
  type     = "STANDARD"
  role_arn = aws_iam_role.purchase_order.arn

  definition = templatefile(var.purchase_order_definition_file, {
    partition          = data.aws_partition.current.partition
    steps_function_arn = module.steps.function_arn
  })

  # No execution data in the logs: the approval task's parameters carry the task token.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.purchase_order.arn}:*"
    include_execution_data = false
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.purchase_order]
  tags       = var.tags
}

# The whole order: one Standard execution per order, named by the order id (deduplicated, its history kept).
resource "aws_sfn_state_machine" "order" {
  name     = "${var.name_prefix}-orders-order"
  type     = "STANDARD"
  role_arn = aws_iam_role.order.arn

  definition = templatefile(var.order_definition_file, {
    partition          = data.aws_partition.current.partition
    steps_function_arn = module.steps.function_arn
    event_bus_name     = data.aws_cloudwatch_event_bus.shared.name
  })

  # No execution data in the logs: the oven task's parameters carry the task token.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.order.arn}:*"
    include_execution_data = false
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.order]
  tags       = var.tags
}

resource "aws_cloudwatch_log_group" "order" {
  name              = "/aws/vendedlogs/states/${var.name_prefix}-orders-order"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "reserve_stock" {
  name              = "/aws/vendedlogs/states/${var.name_prefix}-orders-reserve-stock"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "purchase_order" {
  name              = "/aws/vendedlogs/states/${var.name_prefix}-orders-create-purchase-order"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# A failed execution is an order recorded FAILED (its holds released) or a purchase order recorded FAILED;
# a refused order is not a failure (its execution succeeds, the order REFUSED with its reason).
resource "aws_cloudwatch_metric_alarm" "executions_failed" {
  for_each = {
    reserve_stock  = aws_sfn_state_machine.reserve_stock.arn
    purchase_order = aws_sfn_state_machine.purchase_order.arn
    order          = aws_sfn_state_machine.order.arn
  }

  alarm_name          = "${var.name_prefix}-orders-${replace(each.key, "_", "-")}-failed"
  alarm_description   = "An execution failed after every retry: look at the order or purchase order it names."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  ok_actions          = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  tags                = var.tags
}
