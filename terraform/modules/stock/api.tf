# The stock API is the api function's URL (docs/decisions.md, 2026-11-27: function URLs, not API Gateway):
# payload 2.0, routed by the function itself, every request IAM-authorised (callers sign SigV4 for the
# service `lambda`). Free on LocalStack's community edition, unlike API Gateway HTTP APIs.
resource "aws_lambda_function_url" "api" {
  function_name      = module.api.function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = "BUFFERED"
}

# What a caller's role needs to call the API: since October 2025 a new function URL requires both
# lambda:InvokeFunctionUrl and lambda:InvokeFunction. Same-account callers need only this identity policy
# (no resource policy on the function); attach api_invoke_policy_json to their roles.
data "aws_iam_policy_document" "api_callers" {
  statement {
    sid       = "CallStockApi"
    actions   = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
    resources = [module.api.function_arn]
  }
}
