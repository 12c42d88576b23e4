# One least-privilege policy per function: only the actions its code calls (tests/terraform holds them to
# the code) or its event source mapping needs, only on this module's resources. Logs, X-Ray and the
# function's DLQ come from modules/lambda_function.

locals {
  events_stream_arns = "${aws_dynamodb_table.events.arn}/stream/*"
  expiring_holds_arn = "${aws_dynamodb_table.requests.arn}/index/expiring-holds"
  # A transaction writes an event and its request record together, each authorised on its own table.
  guarded_write_tables = [aws_dynamodb_table.events.arn, aws_dynamodb_table.requests.arn]
}

# The guarded write path, shared by the api, commands and sweep functions.
data "aws_iam_policy_document" "inventory" {
  statement {
    sid     = "ReadStreamsAndRequests"
    actions = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [
      aws_dynamodb_table.events.arn,
      aws_dynamodb_table.requests.arn,
      local.expiring_holds_arn,
      aws_dynamodb_table.snapshots.arn,
    ]
  }

  statement {
    sid = "AppendEventsWithTheirRequests"
    actions = [
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = local.guarded_write_tables
  }

  # Every append takes its version from the item's gate (UpdateItem, which also opens and corrects it); a
  # reconciliation reads it first.
  statement {
    sid       = "TakeVersionsFromGates"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.gates.arn]
  }
}

data "aws_iam_policy_document" "api" {
  source_policy_documents = [data.aws_iam_policy_document.inventory.json]

  statement {
    sid       = "ReadItems"
    actions   = ["dynamodb:GetItem", "dynamodb:Scan"]
    resources = [aws_dynamodb_table.items.arn]
  }

  statement {
    sid       = "ListArchive"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.archive.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["items/*"]
    }
  }

  # The history reads the archive back (recall); only the snapshot consumer writes it (keep).
  statement {
    sid       = "ReadArchive"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.archive.arn}/items/*"]
  }

  statement {
    sid       = "SendCommands"
    actions   = ["sqs:SendMessage"]
    resources = [module.commands_queue.arn]
  }
}

data "aws_iam_policy_document" "commands" {
  source_policy_documents = [data.aws_iam_policy_document.inventory.json]

  statement {
    sid       = "ReceiveCommands"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    resources = [module.commands_queue.arn]
  }
}

data "aws_iam_policy_document" "sweep" {
  source_policy_documents = [data.aws_iam_policy_document.inventory.json]

  # The gates that took versions since their last correction, to reconcile them.
  statement {
    sid       = "ListGates"
    actions   = ["dynamodb:Scan"]
    resources = [aws_dynamodb_table.gates.arn]
  }
}

data "aws_iam_policy_document" "fanout" {
  statement {
    sid       = "ReadEventsStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
    resources = [local.events_stream_arns]
  }

  statement {
    sid       = "PutChanges"
    actions   = ["kinesis:PutRecords"]
    resources = [aws_kinesis_stream.changes.arn]
  }

  statement {
    sid       = "SendFailedRecords"
    actions   = ["sqs:SendMessage"]
    resources = [module.fanout_failures.arn]
  }
}

data "aws_iam_policy_document" "changes_reader" {
  statement {
    sid       = "ReadChanges"
    actions   = ["kinesis:DescribeStream", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"]
    resources = [aws_kinesis_stream.changes.arn]
  }

  statement {
    sid       = "ReadEventsTail"
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.events.arn, aws_dynamodb_table.snapshots.arn]
  }
}

data "aws_iam_policy_document" "snapshots" {
  source_policy_documents = [data.aws_iam_policy_document.changes_reader.json]

  # Snapshots are a conditional put; the events' TTL is a batch re-write of archived, covered events. The
  # events are only read otherwise (the event log, no gate, no append).
  statement {
    sid       = "KeepSnapshots"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.snapshots.arn]
  }

  statement {
    sid       = "RetireEvents"
    actions   = ["dynamodb:BatchWriteItem"]
    resources = [aws_dynamodb_table.events.arn]
  }

  # It writes the archive (keep) and never reads it back (the history is the API's).
  statement {
    sid       = "WriteArchive"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.archive.arn}/items/*"]
  }

  statement {
    sid       = "SendFailedRecords"
    actions   = ["sqs:SendMessage"]
    resources = [module.snapshots_failures.arn]
  }
}

data "aws_iam_policy_document" "projection" {
  source_policy_documents = [data.aws_iam_policy_document.changes_reader.json]

  statement {
    sid       = "KeepItems"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.items.arn]
  }

  statement {
    sid       = "PublishInventoryChanged"
    actions   = ["events:PutEvents"]
    resources = [data.aws_cloudwatch_event_bus.shared.arn]
  }

  statement {
    sid       = "SendFailedRecords"
    actions   = ["sqs:SendMessage"]
    resources = [module.projection_failures.arn]
  }
}
