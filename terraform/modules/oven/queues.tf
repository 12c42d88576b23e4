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
