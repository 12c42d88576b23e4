# The HTTP API: payload 2.0, every route IAM-authorised (callers sign with SigV4, service execute-api).
resource "aws_apigatewayv2_api" "stock" {
  name          = "${var.name_prefix}-stock-api"
  protocol_type = "HTTP"
  description   = "Cloud Pizza Place stock: levels and usage transactions."
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "api" {
  api_id                 = aws_apigatewayv2_api.stock.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = module.api.function_invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "stock" {
  for_each = toset(["GET /stock", "GET /stock/{typeId}", "POST /transactions"])

  api_id             = aws_apigatewayv2_api.stock.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.api.id}"
  authorization_type = "AWS_IAM"
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${var.name_prefix}-stock-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.stock.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit    = var.api_throttling_rate_limit
    throttling_burst_limit   = var.api_throttling_burst_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      caller             = "$context.identity.caller"
      userArn            = "$context.identity.userArn"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }

  tags = var.tags
}

resource "aws_lambda_permission" "api_invoke" {
  statement_id  = "AllowStockHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = module.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.stock.execution_arn}/*/*"
}
