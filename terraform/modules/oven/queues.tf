# Every queue has a dead-letter queue, named `{queue}-dlq` (`{queue}-dlq.fifo` for FIFO queues).
locals {
  dlq_retention_seconds = 1209600 # 14 days, the most SQS keeps: time to look and redrive
  sqs_managed_sse       = var.kms_key_arn == null ? true : null
}

# Pizzas arrive here: {"id": "...", "bakingTimeSecs": N}. Visibility is six times the bake function's
# timeout, as Lambda advises for queue sources. A message that can never be baked is moved to the DLQ by
# the function itself, with its reason, at once.
resource "aws_sqs_queue" "new_items" {
  name                       = "${var.name_prefix}-oven-new-items"
  visibility_timeout_seconds = 180
  sqs_managed_sse_enabled    = local.sqs_managed_sse
  kms_master_key_id          = var.kms_key_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.new_items_dlq.arn
    maxReceiveCount     = 5
  })
  tags = var.tags
}

resource "aws_sqs_queue" "new_items_dlq" {
  name                      = "${var.name_prefix}-oven-new-items-dlq"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

# The waiting line, in arrival order (one message group). Not an event source: the baker takes its head
# when woken, and puts an entry back when its baking cannot start; after 10 such returns it goes aside.
resource "aws_sqs_queue" "waiting" {
  name                        = "${var.name_prefix}-oven-waiting.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  visibility_timeout_seconds  = 60
  sqs_managed_sse_enabled     = local.sqs_managed_sse
  kms_master_key_id           = var.kms_key_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.waiting_dlq.arn
    maxReceiveCount     = 10
  })
  tags = var.tags
}

resource "aws_sqs_queue" "waiting_dlq" {
  name                      = "${var.name_prefix}-oven-waiting-dlq.fifo"
  fifo_queue                = true
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

# Rings of the baker's bell (a pizza joined the line, a slot freed). One message group: one baker at a time.
resource "aws_sqs_queue" "wakeups" {
  name                        = "${var.name_prefix}-oven-wakeups.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  visibility_timeout_seconds  = 180
  sqs_managed_sse_enabled     = local.sqs_managed_sse
  kms_master_key_id           = var.kms_key_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.wakeups_dlq.arn
    maxReceiveCount     = 5
  })
  tags = var.tags
}

resource "aws_sqs_queue" "wakeups_dlq" {
  name                      = "${var.name_prefix}-oven-wakeups-dlq.fifo"
  fifo_queue                = true
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

# Baked pizzas, each once (deduplicated by pizza id): {"id", "bakingTimeSecs", "bakedAt"}. For consumers.
resource "aws_sqs_queue" "baked_items" {
  name                        = "${var.name_prefix}-oven-baked-items.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  visibility_timeout_seconds  = 30
  sqs_managed_sse_enabled     = local.sqs_managed_sse
  kms_master_key_id           = var.kms_key_arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.baked_items_dlq.arn
    maxReceiveCount     = 5
  })
  tags = var.tags
}

resource "aws_sqs_queue" "baked_items_dlq" {
  name                      = "${var.name_prefix}-oven-baked-items-dlq.fifo"
  fifo_queue                = true
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = local.sqs_managed_sse
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}
