locals {
  create_dead_letter_queue = var.dead_letter_target_arn == null
  dead_letter_queue_arn    = local.create_dead_letter_queue ? module.dead_letter[0].arn : var.dead_letter_target_arn
}

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn

  filename         = var.zip_file
  source_code_hash = filebase64sha256(var.zip_file)
  handler          = var.handler
  runtime          = var.runtime
  architectures    = var.architectures

  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn

  environment {
    # pizza_common.aws fits the SDK's timeouts and attempts inside the function's own: Lambda tells a function
    # its timeout only in each invocation's context, and the clients are made before one. The caller's wins.
    variables = merge({ FUNCTION_TIMEOUT_SECS = tostring(var.timeout) }, var.environment_variables)
  }

  tracing_config {
    mode = var.tracing_mode
  }

  dead_letter_config {
    target_arn = local.dead_letter_queue_arn
  }

  # With the JSON format, Lambda sets AWS_LAMBDA_LOG_LEVEL from application_log_level (INFO when unset),
  # and Powertools prefers it to LOG_LEVEL: without it, log_level = DEBUG would be ignored.
  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.log_level == "WARNING" ? "WARN" : var.log_level
    system_log_level      = "INFO"
  }

  tags = var.tags

  # The role must be able to write logs and reach its DLQ before the first invocation.
  depends_on = [aws_iam_role_policy.runtime]
}
