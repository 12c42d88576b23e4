# One table, one key (pk), three kinds of item (services/oven/README.md):
#   OVEN#CAPACITY  capacity            written here, by the deployment, and only read by the functions
#   OVEN#LOAD      in_use, waiting     written by the functions, in the same transaction as a pizza's state
#   PIZZA#<id>     state and times     a baked pizza expires (TTL expires_at) after 7 days
resource "aws_dynamodb_table" "oven" {
  name                        = "${var.name_prefix}-oven-state"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
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

# The capacity is the deployment's: seeded here, so the oven bakes from its first pizza (the original
# never created this item, and every pizza waited). It is its own item, apart from the counters the
# functions change, so that re-applying Terraform rewrites only the capacity and never resets them.
resource "aws_dynamodb_table_item" "capacity" {
  table_name = aws_dynamodb_table.oven.name
  hash_key   = aws_dynamodb_table.oven.hash_key

  item = jsonencode({
    pk       = { S = "OVEN#CAPACITY" }
    capacity = { N = tostring(var.oven_capacity) }
  })
}
