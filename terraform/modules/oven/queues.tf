# Every queue through ../queue: encrypted, a dead-letter queue `{queue}-dlq` (`{queue}-dlq.fifo` for FIFO
# queues) kept 14 days, and a depth alarm on it notifying var.alarm_topic_arn.

# Pizzas arrive here: {"id": "...", "bakingTimeSecs": N}. Visibility is six times the bake function's
# timeout, as Lambda advises for queue sources. A message that can never be baked is moved to the DLQ by
# the function itself, with its reason, at once.
module "new_items" {
  source = "../queue"

  name                       = "${var.name_prefix}-oven-new-items"
  visibility_timeout_seconds = 180
  max_receive_count          = 5
  alarm_topic_arn            = var.alarm_topic_arn
  kms_key_arn                = var.kms_key_arn
  tags                       = var.tags
}

# The waiting line, in arrival order (one message group). Not an event source: the baker takes its head
# when woken, and puts an entry back when its baking cannot start; after 10 such returns it goes aside.
module "waiting" {
  source = "../queue"

  name                       = "${var.name_prefix}-oven-waiting"
  fifo                       = true
  visibility_timeout_seconds = 60
  max_receive_count          = 10
  alarm_topic_arn            = var.alarm_topic_arn
  kms_key_arn                = var.kms_key_arn
  tags                       = var.tags
}

# Rings of the baker's bell (a pizza joined the line, a slot freed). One message group: one baker at a time.
module "wakeups" {
  source = "../queue"

  name                       = "${var.name_prefix}-oven-wakeups"
  fifo                       = true
  visibility_timeout_seconds = 180
  max_receive_count          = 5
  alarm_topic_arn            = var.alarm_topic_arn
  kms_key_arn                = var.kms_key_arn
  tags                       = var.tags
}

# Baked pizzas, each once (deduplicated by pizza id): {"id", "bakingTimeSecs", "bakedAt"}. For consumers.
module "baked_items" {
  source = "../queue"

  name                       = "${var.name_prefix}-oven-baked-items"
  fifo                       = true
  visibility_timeout_seconds = 30
  max_receive_count          = 5
  alarm_topic_arn            = var.alarm_topic_arn
  kms_key_arn                = var.kms_key_arn
  tags                       = var.tags
}

# State written before the queues moved into ../queue: Terraform moves them instead of replacing them.
moved {
  from = aws_sqs_queue.new_items
  to   = module.new_items.aws_sqs_queue.this
}

moved {
  from = aws_sqs_queue.new_items_dlq
  to   = module.new_items.aws_sqs_queue.dead_letter[0]
}

moved {
  from = aws_sqs_queue.waiting
  to   = module.waiting.aws_sqs_queue.this
}

moved {
  from = aws_sqs_queue.waiting_dlq
  to   = module.waiting.aws_sqs_queue.dead_letter[0]
}

moved {
  from = aws_sqs_queue.wakeups
  to   = module.wakeups.aws_sqs_queue.this
}

moved {
  from = aws_sqs_queue.wakeups_dlq
  to   = module.wakeups.aws_sqs_queue.dead_letter[0]
}

moved {
  from = aws_sqs_queue.baked_items
  to   = module.baked_items.aws_sqs_queue.this
}

moved {
  from = aws_sqs_queue.baked_items_dlq
  to   = module.baked_items.aws_sqs_queue.dead_letter[0]
}
