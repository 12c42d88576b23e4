# One least-privilege policy per function: only the actions its code calls (or its event source mapping
# needs), only on this module's resources. Logs, X-Ray and the function's DLQ come from modules/lambda_function.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # Built from its name, not read from the resource: the state machine invokes remove, and remove starts
  # executions of the state machine (a reference either way round would be a cycle).
  baking_state_machine_arn = join(":", [
    "arn", data.aws_partition.current.partition, "states", data.aws_region.current.region,
    data.aws_caller_identity.current.account_id, "stateMachine", "${var.name_prefix}-oven-baking",
  ])
  # Executions are named after pizzas; their ARNs are known only by this pattern.
  baking_executions = join(":", [
    "arn", data.aws_partition.current.partition, "states", data.aws_region.current.region,
    data.aws_caller_identity.current.account_id, "execution", "${var.name_prefix}-oven-baking", "*",
  ])
  # Every function's ledger reads the load (BatchGetItem, GetItem) and changes pizzas and the load in
  # transactions of Update items checked against the capacity (ConditionCheck). Only bake puts a new pizza
  # (allocate, join the line) and only bake and reconcile delete one (a discard, a direct arrival given back).
  ledger_actions = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:GetItem",
    "dynamodb:UpdateItem",
  ]
}

data "aws_iam_policy_document" "bake" {
  statement {
    sid       = "KeepTheOvensBooks"
    actions   = concat(local.ledger_actions, ["dynamodb:PutItem", "dynamodb:DeleteItem"])
    resources = [aws_dynamodb_table.oven.arn]
  }

  # What Lambda's poller does with the function's role for the NewItems event source mapping.
  statement {
    sid       = "ReceiveNewItems"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [module.new_items.arn]
  }

  # Join the waiting line, ring the baker, and move a message that can never be baked aside with its reason.
  statement {
    sid       = "JoinTheLineRingAndReject"
    actions   = ["sqs:SendMessage"]
    resources = [module.waiting.arn, module.wakeups.arn, module.new_items.dead_letter_queue_arn]
  }

  statement {
    sid       = "StartBaking"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.baking.arn]
  }

  # After a failed or repeated start: is the pizza's execution there, and is it still running?
  statement {
    sid       = "LookAtBaking"
    actions   = ["states:DescribeExecution"]
    resources = [local.baking_executions]
  }
}

data "aws_iam_policy_document" "take_waiting" {
  statement {
    sid       = "KeepTheOvensBooks"
    actions   = local.ledger_actions
    resources = [aws_dynamodb_table.oven.arn]
  }

  statement {
    sid       = "ReceiveWakeUps"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [module.wakeups.arn]
  }

  # A baker about to run out of time rings for the next one; a baker that failed lets its rings come back
  # after a short backoff instead of the visibility timeout.
  statement {
    sid       = "RingForTheNextBaker"
    actions   = ["sqs:SendMessage", "sqs:ChangeMessageVisibility"]
    resources = [module.wakeups.arn]
  }

  # Take the head of the line, drop what was baked, put back what could not start.
  statement {
    sid       = "ServeTheLine"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
    resources = [module.waiting.arn]
  }

  statement {
    sid       = "StartBaking"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.baking.arn]
  }

  statement {
    sid       = "LookAtBaking"
    actions   = ["states:DescribeExecution"]
    resources = [local.baking_executions]
  }
}

data "aws_iam_policy_document" "remove" {
  statement {
    sid       = "KeepTheOvensBooks"
    actions   = local.ledger_actions
    resources = [aws_dynamodb_table.oven.arn]
  }

  statement {
    sid       = "ShelveAndRing"
    actions   = ["sqs:SendMessage"]
    resources = [module.baked_items.arn, module.wakeups.arn]
  }

  # Hand the freed slot to the head of the line: take it, drop it once its slot is given, or put it back.
  statement {
    sid       = "HandOverToTheLine"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
    resources = [module.waiting.arn]
  }

  statement {
    sid       = "StartBaking"
    actions   = ["states:StartExecution"]
    resources = [local.baking_state_machine_arn]
  }

  statement {
    sid       = "LookAtBaking"
    actions   = ["states:DescribeExecution"]
    resources = [local.baking_executions]
  }
}

data "aws_iam_policy_document" "reconcile" {
  statement {
    sid       = "KeepTheOvensBooks"
    actions   = concat(local.ledger_actions, ["dynamodb:DeleteItem"])
    resources = [aws_dynamodb_table.oven.arn]
  }

  # Serve the line with a rescued pizza's slot; put a pizza that can never start back in it.
  statement {
    sid       = "ServeAndRejoinTheLine"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:SendMessage"]
    resources = [module.waiting.arn]
  }

  # Shelve a rescued pizza, ring the baker, send a failed pizza aside with its reason.
  statement {
    sid       = "ShelveRingAndReject"
    actions   = ["sqs:SendMessage"]
    resources = [module.baked_items.arn, module.wakeups.arn, module.new_items.dead_letter_queue_arn]
  }

  statement {
    sid       = "StartBaking"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.baking.arn]
  }

  statement {
    sid       = "LookAtBaking"
    actions   = ["states:DescribeExecution"]
    resources = [local.baking_executions]
  }
}

# The baking state machine's role: invoke the remove function, deliver its logs, write traces.
data "aws_iam_policy_document" "baking_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "baking" {
  name               = "${var.name_prefix}-oven-baking"
  assume_role_policy = data.aws_iam_policy_document.baking_assume_role.json
  tags               = var.tags
}

data "aws_iam_policy_document" "baking" {
  statement {
    sid       = "TakeOut"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.remove.function_arn]
  }

  # CloudWatch Logs delivery for Step Functions has no resource-level permissions: "*" is what AWS documents.
  statement {
    sid = "DeliverLogs"
    actions = [
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
    ]
    resources = ["*"]
  }

  # X-Ray has no resource-level permissions either.
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "UseEncryptionKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "baking" {
  name   = "baking"
  role   = aws_iam_role.baking.id
  policy = data.aws_iam_policy_document.baking.json
}
