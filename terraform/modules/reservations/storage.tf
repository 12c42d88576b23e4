# The event store and what is made from it. See services/reservations/README.md for the item layouts.

# One stream of immutable events per item: pk = item id, sk = version. An append is a Put conditional on its
# version being free. The stream (new images) has exactly one reader, the fanout function; TTL removes an
# event only after the snapshot consumer archived it and a snapshot covers it (it sets purge_at then).
resource "aws_dynamodb_table" "events" {
  name                        = "${var.name_prefix}-reservations-events"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  stream_enabled              = true
  stream_view_type            = "NEW_IMAGE"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "N"
  }

  ttl {
    attribute_name = "purge_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

# Reservations and adjustments by id (idempotency, GET /reservations/{id}); live holds in the sparse index
# the expiry sweep reads, spread over a few partitions (hold_bucket HELD#0..7).
resource "aws_dynamodb_table" "requests" {
  name                        = "${var.name_prefix}-reservations-requests"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "hold_bucket"
    type = "S"
  }

  attribute {
    name = "hold_expires"
    type = "N"
  }

  global_secondary_index {
    name            = "expiring-holds"
    projection_type = "ALL"

    key_schema {
      attribute_name = "hold_bucket"
      key_type       = "HASH"
    }

    key_schema {
      attribute_name = "hold_expires"
      key_type       = "RANGE"
    }
  }

  # A request id is remembered 30 days: a replay within that gets the first answer.
  ttl {
    attribute_name = "purge_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

# The fold of each item up to a version; rebuilt from the events at any time.
resource "aws_dynamodb_table" "snapshots" {
  name                        = "${var.name_prefix}-reservations-snapshots"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

# Each item's gate: the last version taken (seq) and the units that may still be taken (free). Every append
# takes its version here with one conditional UpdateItem, no read; rebuilt from the events at any time (drop
# an item's row while it is quiet: the next writer opens it again at the fold). No stream, no TTL.
resource "aws_dynamodb_table" "gates" {
  name                        = "${var.name_prefix}-reservations-gates"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

# The projection for listings and product pages; rebuilt from the events at any time.
resource "aws_dynamodb_table" "items" {
  name                        = "${var.name_prefix}-reservations-items"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

# The fan-out: every event once, partition key = item id. Its readers are the snapshot and projection
# consumers (and the order workflows'), so the events table's stream keeps a single reader.
resource "aws_kinesis_stream" "changes" {
  name             = "${var.name_prefix}-reservations-changes"
  shard_count      = var.changes_shard_count
  retention_period = 24
  encryption_type  = "KMS"
  kms_key_id       = var.kms_key_arn == null ? "alias/aws/kinesis" : var.kms_key_arn

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }

  tags = var.tags
}

locals {
  # Bucket names are global across every AWS account: the account and region make the default unique.
  archive_bucket_name = var.archive_bucket_name != null ? var.archive_bucket_name : "${var.name_prefix}-reservations-archive-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.region}"
}

# Cold storage: items/<item>/<first version>-<last version>.jsonl, each line an event as appended.
resource "aws_s3_bucket" "archive" {
  bucket = local.archive_bucket_name
  # true lets `terraform destroy` delete an archive that still holds events (and their old versions).
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "archive" {
  bucket                  = aws_s3_bucket.archive.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "archive" {
  bucket = aws_s3_bucket.archive.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "archive" {
  bucket = aws_s3_bucket.archive.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn # null: the AWS managed key aws/s3
    }
    bucket_key_enabled = true
  }
}

# Versioned, so an archive object overwritten by a redelivered batch is never lost.
resource "aws_s3_bucket_versioning" "archive" {
  bucket = aws_s3_bucket.archive.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "archive" {
  bucket = aws_s3_bucket.archive.id

  rule {
    id     = "archive-to-a-cheaper-class"
    status = "Enabled"
    filter {
      prefix = "items/"
    }
    transition {
      days          = var.archive_transition_days
      storage_class = "GLACIER_IR"
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.archive]
}

data "aws_iam_policy_document" "archive_tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.archive.arn,
      "${aws_s3_bucket.archive.arn}/*",
    ]
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

resource "aws_s3_bucket_policy" "archive" {
  bucket = aws_s3_bucket.archive.id
  policy = data.aws_iam_policy_document.archive_tls_only.json

  depends_on = [aws_s3_bucket_public_access_block.archive]
}
