# One least-privilege policy per function: only the actions its code calls (or its event source mapping
# needs), only on this module's resources. Logs, X-Ray and the function's DLQ come from modules/lambda_function.

locals {
  table_stream_arns = "${aws_dynamodb_table.stock.arn}/stream/*"
}

data "aws_iam_policy_document" "ingest" {
  # Reads only delivery files (.csv), exactly the version a notification names.
  statement {
    sid       = "ReadDeliveries"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${aws_s3_bucket.deliveries.arn}/*.csv"]
  }

  # An identical re-upload reads its report back to count the upload on it.
  statement {
    sid       = "ReadAndWriteReports"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.deliveries.arn}/reports/*"]
  }

  # Without it, S3 answers a report that is not there with 403 AccessDenied instead of 404 NoSuchKey.
  statement {
    sid       = "TellMissingReports"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.deliveries.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["reports/*"]
    }
  }

  # The delivery row (put, read, completed), each new ingredient's row (put) and, in one transaction, the
  # delivery's progress, its batch rows, its ingredients and the rows it refused (put; read back with a
  # query of the delivery's partition).
  statement {
    sid       = "RecordDeliveriesAndBatches"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.stock.arn]
  }
}

data "aws_iam_policy_document" "expire" {
  statement {
    sid       = "ReadTableStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
    resources = [local.table_stream_arns]
  }

  # The ingredient (get), its expired batches removed (update), and the sweep's list of ingredients (the
  # levels index).
  statement {
    sid       = "RemoveExpiredBatches"
    actions   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.stock.arn, "${aws_dynamodb_table.stock.arn}/index/levels"]
  }

  statement {
    sid       = "SendFailedRecords"
    actions   = ["sqs:SendMessage"]
    resources = [module.expire_failures.arn]
  }
}

data "aws_iam_policy_document" "broadcast" {
  statement {
    sid       = "ReadTableStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
    resources = [local.table_stream_arns]
  }

  # With the AWS managed key (alias/aws/kinesis) producers need no KMS grant; a customer managed key is
  # granted by modules/lambda_function (kms_key_arn).
  statement {
    sid       = "PublishLevels"
    actions   = ["kinesis:PutRecords"]
    resources = [aws_kinesis_stream.levels.arn]
  }

  statement {
    sid       = "SendFailedRecords"
    actions   = ["sqs:SendMessage"]
    resources = [module.broadcast_failures.arn]
  }
}

data "aws_iam_policy_document" "api" {
  # Ingredients (batch get, the levels index), a transaction's first answer (get), and usage in one
  # transaction: the transaction record (put) and the ingredients (update).
  statement {
    sid = "ReadLevelsAndUseStock"
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.stock.arn, "${aws_dynamodb_table.stock.arn}/index/levels"]
  }
}
