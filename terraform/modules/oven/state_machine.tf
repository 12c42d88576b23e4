# One execution per pizza, named after it: Wait bakingTimeSecs, then invoke remove (retried; removal is
# idempotent). The same ASL file runs in the local cloud (services/oven/src/pizza_oven/stack.py).
resource "aws_sfn_state_machine" "baking" {
  name     = "${var.name_prefix}-oven-baking"
  type     = "STANDARD"
  role_arn = aws_iam_role.baking.arn

  definition = templatefile("${path.module}/../../../services/oven/statemachines/bake.asl.json", {
    remove_function_arn = module.remove.function_arn
  })

  # Errors only, with the execution's data: a pizza's id and baking time, nothing secret.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.baking.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  dynamic "encryption_configuration" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      type                              = "CUSTOMER_MANAGED_KMS_KEY"
      kms_key_id                        = encryption_configuration.value
      kms_data_key_reuse_period_seconds = 300
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "baking" {
  name              = "/aws/vendedlogs/states/${var.name_prefix}-oven-baking"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# A failed execution means a removal failed every retry: that pizza's slot stays taken until someone looks.
resource "aws_cloudwatch_metric_alarm" "baking_failed" {
  alarm_name          = "${var.name_prefix}-oven-baking-failed"
  alarm_description   = "A baking execution failed after every retry of its removal: its pizza still holds a slot."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.baking.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  tags                = var.tags
}
