# One least-privilege policy per function (tests/terraform holds each to the code it runs) and one role per
# state machine. Logs, X-Ray and the function's DLQ come from modules/lambda_function.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  arn_prefix = "arn:${data.aws_partition.current.partition}"
  region     = data.aws_region.current.region
  account    = data.aws_caller_identity.current.account_id
  reservations_table_arn = {
    for key, name in local.reservations : key => "${local.arn_prefix}:dynamodb:${local.region}:${local.account}:table/${name}"
    if contains(["events", "requests", "snapshots", "items", "gates"], key)
  }
  commands_queue_arn = "${local.arn_prefix}:sqs:${local.region}:${local.account}:${element(split("/", var.reservations_commands_queue_url), length(split("/", var.reservations_commands_queue_url)) - 1)}"
  oven_new_items_arn = "${local.arn_prefix}:sqs:${local.region}:${local.account}:${element(split("/", var.oven_new_items_queue_url), length(split("/", var.oven_new_items_queue_url)) - 1)}"
  stock_api_function = "${local.arn_prefix}:lambda:${local.region}:${local.account}:function:${var.name_prefix}-stock-api"
  receive            = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
  # The order book (adapters/order_book.py): read, place (conditional put), decide (conditional update).
  order_book_actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
  # The purchase orders (adapters/purchase_orders.py), each function for what it does with them: raise one
  # (the order and its OPEN# guard put in one transaction), mark an item's stock status, wait for and note
  # a decision (conditional updates), close one (updated, its guard deleted, in one transaction, or kept for
  # the restock once approved), free an item once its restock is seen (the guard deleted), list them.
  raise_purchase_order_actions = ["dynamodb:GetItem", "dynamodb:PutItem"]
}

data "aws_iam_policy_document" "intake" {
  statement {
    sid       = "ReceiveNewOrders"
    actions   = local.receive
    resources = [module.new_orders.arn]
  }

  # A malformed event goes aside at once, with its reason.
  statement {
    sid       = "RejectMalformed"
    actions   = ["sqs:SendMessage"]
    resources = [module.new_orders.dead_letter_queue_arn]
  }

  # Record the order PLACED before its workflow starts (conditional put: the first event of an order id wins,
  # another body under that id goes aside), and read it back (a duplicate of a decided order starts nothing).
  statement {
    sid       = "PlaceOrders"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.orders.arn]
  }

  statement {
    sid       = "StartOrderWorkflows"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.reserve_stock.arn, aws_sfn_state_machine.order.arn]
  }
}

data "aws_iam_policy_document" "purchasing" {
  statement {
    sid       = "ReceivePurchaseRequests"
    actions   = local.receive
    resources = [module.purchase_requests.arn]
  }

  statement {
    sid       = "RaisePurchaseOrders"
    actions   = local.raise_purchase_order_actions
    resources = [aws_dynamodb_table.purchase_orders.arn]
  }

  statement {
    sid       = "StartPurchaseOrders"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.purchase_order.arn]
  }

  # Is the item on the menu: its snapshot and the events after it.
  statement {
    sid       = "ReadItemHistories"
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [local.reservations_table_arn.events, local.reservations_table_arn.snapshots]
  }

  # A request that cannot be (wholly) done goes aside at once, with its reason.
  statement {
    sid       = "RejectRequests"
    actions   = ["sqs:SendMessage"]
    resources = [module.purchase_requests.dead_letter_queue_arn]
  }
}

data "aws_iam_policy_document" "inventory" {
  statement {
    sid       = "RaisePurchaseOrdersMarkItemsAndFreeRestocked"
    actions   = concat(local.raise_purchase_order_actions, ["dynamodb:UpdateItem", "dynamodb:DeleteItem"])
    resources = [aws_dynamodb_table.purchase_orders.arn]
  }

  statement {
    sid       = "ReceiveInventoryChanges"
    actions   = local.receive
    resources = [module.inventory_changes.arn]
  }

  statement {
    sid       = "StartPurchaseOrders"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.purchase_order.arn]
  }

  statement {
    sid       = "AlertOutOfStock"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.notifications.arn]
  }
}

data "aws_iam_policy_document" "steps" {
  statement {
    sid       = "KeepOrders"
    actions   = local.order_book_actions
    resources = [aws_dynamodb_table.orders.arn]
  }

  # Keep the token and wait, supply (the guard told to wait for the restock), close (the guard deleted with
  # it unless approved): never raise nor list.
  statement {
    sid       = "ClosePurchaseOrders"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.purchase_orders.arn]
  }

  # The reservations service's guarded path (its use cases): read the item's snapshot and tail, append an
  # event with its request record in one transaction.
  statement {
    sid     = "ReadReservations"
    actions = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [
      local.reservations_table_arn.events,
      local.reservations_table_arn.requests,
      local.reservations_table_arn.snapshots,
    ]
  }

  statement {
    sid       = "AppendReservationEvents"
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [local.reservations_table_arn.events, local.reservations_table_arn.requests]
  }

  # Every append takes its version from the item's gate; a refusal reconciles the gate first.
  statement {
    sid       = "TakeVersionsFromGates"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [local.reservations_table_arn.gates]
  }

  # An approved purchase order's adjustment, through the reservations commands queue.
  statement {
    sid       = "SendAdjustments"
    actions   = ["sqs:SendMessage"]
    resources = [local.commands_queue_arn]
  }

  statement {
    sid       = "AskForApproval"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.notifications.arn]
  }

  # A decision that arrived before the workflow waited is applied at once (so is a pizza baked before a
  # retried oven step waited). Task tokens have no ARN.
  statement {
    sid       = "ResumeApproval"
    actions   = ["states:SendTaskSuccess"]
    resources = ["*"]
  }

  # The order workflow's kitchen: the stock service's API (SigV4, function URL with AWS_IAM) ...
  statement {
    sid       = "UseIngredients"
    actions   = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
    resources = [local.stock_api_function]
  }

  # ... and the oven's NewItems queue.
  statement {
    sid       = "SendToOven"
    actions   = ["sqs:SendMessage"]
    resources = [local.oven_new_items_arn]
  }
}

data "aws_iam_policy_document" "api" {
  # Read orders; note a pizza baked (a conditional update).
  statement {
    sid       = "ReadOrders"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.orders.arn]
  }

  # Read and list purchase orders, note a decision (a conditional update).
  statement {
    sid       = "DecidePurchaseOrders"
    actions   = ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.purchase_orders.arn]
  }

  # Resume the waiting approval (or oven step) with the token kept in the table. Task tokens have no ARN.
  statement {
    sid       = "ResumeApproval"
    actions   = ["states:SendTaskSuccess"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "generator" {
  statement {
    sid       = "PlaceOrders"
    actions   = ["events:PutEvents"]
    resources = [data.aws_cloudwatch_event_bus.shared.arn]
  }
}

# --- the state machines' roles ----------------------------------------------------------------------------

data "aws_iam_policy_document" "states_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "state_machine_common" {
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

resource "aws_iam_role" "reserve_stock" {
  name               = "${var.name_prefix}-orders-reserve-stock"
  assume_role_policy = data.aws_iam_policy_document.states_assume_role.json
  tags               = var.tags
}

data "aws_iam_policy_document" "reserve_stock" {
  source_policy_documents = [data.aws_iam_policy_document.state_machine_common.json]

  statement {
    sid       = "RunSteps"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.steps.function_arn]
  }

  statement {
    sid       = "PublishOutcomes"
    actions   = ["events:PutEvents"]
    resources = [data.aws_cloudwatch_event_bus.shared.arn]
  }

  statement {
    sid       = "NotifyShortOrders"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.notifications.arn]
  }
}

resource "aws_iam_role_policy" "reserve_stock" {
  name   = "reserve-stock"
  role   = aws_iam_role.reserve_stock.id
  policy = data.aws_iam_policy_document.reserve_stock.json
}

resource "aws_iam_role" "purchase_order" {
  name               = "${var.name_prefix}-orders-create-purchase-order"
  assume_role_policy = data.aws_iam_policy_document.states_assume_role.json
  tags               = var.tags
}

data "aws_iam_policy_document" "purchase_order" {
  source_policy_documents = [data.aws_iam_policy_document.state_machine_common.json]

  statement {
    sid       = "RunSteps"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.steps.function_arn]
  }
}

resource "aws_iam_role_policy" "purchase_order" {
  name   = "create-purchase-order"
  role   = aws_iam_role.purchase_order.id
  policy = data.aws_iam_policy_document.purchase_order.json
}

resource "aws_iam_role" "order" {
  name               = "${var.name_prefix}-orders-order"
  assume_role_policy = data.aws_iam_policy_document.states_assume_role.json
  tags               = var.tags
}

data "aws_iam_policy_document" "order" {
  source_policy_documents = [data.aws_iam_policy_document.state_machine_common.json]

  statement {
    sid       = "RunSteps"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.steps.function_arn]
  }

  # Short of a sellable item: create-purchase-order on the shared bus.
  statement {
    sid       = "AskSupplier"
    actions   = ["events:PutEvents"]
    resources = [data.aws_cloudwatch_event_bus.shared.arn]
  }
}

resource "aws_iam_role_policy" "order" {
  name   = "order"
  role   = aws_iam_role.order.id
  policy = data.aws_iam_policy_document.order.json
}
