data "aws_region" "current" {}

locals {
  # Bucket names are global across every AWS account: the account and region make the default unique.
  deliveries_bucket_name = var.deliveries_bucket_name != null ? var.deliveries_bucket_name : "${var.name_prefix}-stock-deliveries-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.region}"
}

# The deliveries bucket: suppliers drop CSV files; the ingest function writes reports/<key>.json beside them.
resource "aws_s3_bucket" "deliveries" {
  bucket = local.deliveries_bucket_name
  # true lets `terraform destroy` delete a bucket that still holds deliveries (and their old versions).
  force_destroy = var.force_destroy
  tags          = var.tags
}

# TLS only: any request over plain HTTP is refused, whoever makes it.
data "aws_iam_policy_document" "deliveries_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.deliveries.arn, "${aws_s3_bucket.deliveries.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "deliveries" {
  bucket = aws_s3_bucket.deliveries.id
  policy = data.aws_iam_policy_document.deliveries_tls_only.json

  # S3 refuses a bucket policy while the public access block is being set.
  depends_on = [aws_s3_bucket_public_access_block.deliveries]
}

resource "aws_s3_bucket_public_access_block" "deliveries" {
  bucket                  = aws_s3_bucket.deliveries.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "deliveries" {
  bucket = aws_s3_bucket.deliveries.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "deliveries" {
  bucket = aws_s3_bucket.deliveries.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn # null: the AWS managed key aws/s3
    }
    bucket_key_enabled = true
  }
}

# Versioned: a notification names the exact version it is about, so ingest reads what was uploaded even if
# the key was overwritten since; an overwrite under a delivered key is reported as a conflict, never lost.
resource "aws_s3_bucket_versioning" "deliveries" {
  bucket = aws_s3_bucket.deliveries.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "deliveries" {
  bucket = aws_s3_bucket.deliveries.id

  rule {
    id     = "expire-replaced-deliveries"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_delivery_retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.deliveries]
}

# Only .csv objects start an ingest: the reports (.json) it writes into the same bucket never do.
resource "aws_s3_bucket_notification" "deliveries" {
  bucket = aws_s3_bucket.deliveries.id

  lambda_function {
    lambda_function_arn = module.ingest.function_arn
    events              = ["s3:ObjectCreated:*"]
    filter_suffix       = ".csv"
  }

  depends_on = [aws_lambda_permission.deliveries_invoke_ingest]
}

# One table: ingredient levels (sk AGGREGATE), batches (sk BATCH#<best-before>#<batchId>, FEFO order),
# expiry markers, deliveries and transaction records. See services/stock/README.md.
resource "aws_dynamodb_table" "stock" {
  name                        = "${var.name_prefix}-stock-batches"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  stream_enabled              = true
  stream_view_type            = "NEW_AND_OLD_IMAGES"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "levels_partition"
    type = "S"
  }

  attribute {
    name = "type_id"
    type = "S"
  }

  # Sparse: only ingredient rows carry levels_partition, so GET /stock lists ingredients without a scan.
  global_secondary_index {
    name            = "levels"
    projection_type = "ALL"

    key_schema {
      attribute_name = "levels_partition"
      key_type       = "HASH"
    }

    key_schema {
      attribute_name = "type_id"
      key_type       = "RANGE"
    }
  }

  # A batch leaves at its best-before; the expire function takes what was left of it off the level.
  ttl {
    attribute_name = "expires_at_epoch"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn # null: the AWS managed key aws/dynamodb
  }

  tags = var.tags
}

# Every change of an ingredient's level, partition key = typeId, with a version that only grows.
resource "aws_kinesis_stream" "levels" {
  name             = "${var.name_prefix}-stock-levels"
  shard_count      = var.levels_shard_count
  retention_period = 24
  encryption_type  = "KMS"
  kms_key_id       = var.kms_key_arn == null ? "alias/aws/kinesis" : var.kms_key_arn

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }

  tags = var.tags
}
