output "function_name" {
  description = "The function's name."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "The function's ARN (unqualified), for event source mappings, permissions and targets."
  value       = aws_lambda_function.this.arn
}

output "function_invoke_arn" {
  description = "The ARN API Gateway uses to invoke the function."
  value       = aws_lambda_function.this.invoke_arn
}

output "function_qualified_arn" {
  description = "The ARN of the function's latest published version."
  value       = aws_lambda_function.this.qualified_arn
}

output "role_name" {
  description = "The name of the function's IAM role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "The ARN of the function's IAM role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "The function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "dead_letter_queue_arn" {
  description = "The SQS queue that receives failed asynchronous invocations (created or given)."
  value       = local.dead_letter_queue_arn
}
