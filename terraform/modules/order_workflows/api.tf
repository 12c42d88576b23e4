# The orders API is the api function's URL (docs/decisions.md, 2026-11-27): payload 2.0, routed by the
# function, every request IAM-authorised. The original's approval URL was public (auth NONE) and took the
# task token in a GET query string; this one takes an opaque purchase order id in a signed POST.
resource "aws_lambda_function_url" "api" {
  function_name      = module.api.function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = "BUFFERED"
}

# What a caller's role (an approver, the shop) needs: lambda:InvokeFunctionUrl and lambda:InvokeFunction.
data "aws_iam_policy_document" "api_callers" {
  statement {
    sid       = "CallOrdersApi"
    actions   = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
    resources = [module.api.function_arn]
  }
}
