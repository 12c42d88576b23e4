# One execution per pizza, named after it: Wait bakingTimeSecs, then invoke remove (retried; removal is
# idempotent). The ASL template comes in as var.baking_definition_file (the deployment passes
# services/oven/statemachines/bake.asl.json, the file the local cloud runs): the module reaches out of
# its folder for nothing. The partition is passed in, never written as `aws` in the file.
resource "aws_sfn_state_machine" "baking" {
  name     = "${var.name_prefix}-oven-baking"
  type     = "STANDARD"
  role_arn = aws_iam_role.baking.arn

  definition = templatefile(var.baking_definition_file, {
    partition           = data.aws_partition.current.partition
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

  # Step Functions checks the role when the machine is created: wait for its policy, not provider retries.
  depends_on = [aws_iam_role_policy.baking]

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
  alarm_actions       = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  ok_actions          = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  tags                = var.tags
}
