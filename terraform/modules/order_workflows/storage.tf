# Orders by id; purchase orders with their items' OPEN# guards and ITEM# stock statuses (see
# pizza_reservations/orders/adapters/*.py for the layouts).
resource "aws_dynamodb_table" "orders" {
  name                        = "${var.name_prefix}-orders-orders"
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

resource "aws_dynamodb_table" "purchase_orders" {
  name                        = "${var.name_prefix}-orders-purchase-orders"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "pk"
    type = "S"
  }

  # A request's cause is remembered (CAUSE#) while it can still be delivered again, then purged.
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

# Approval requests (by purchase order id, never the task token), short orders and OUT OF STOCK alerts.
resource "aws_sns_topic" "notifications" {
  name              = "${var.name_prefix}-orders-notifications"
  kms_master_key_id = var.kms_key_arn == null ? "alias/aws/sns" : var.kms_key_arn
  tags              = var.tags
}
