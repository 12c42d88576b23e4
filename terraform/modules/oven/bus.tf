# The shared EventBridge bus (terraform/deployments/shared), found by name: a plan fails with the bus "not
# found" when the shared root was not applied first. A function that publishes gets events:PutEvents on
# exactly this bus (`data.aws_cloudwatch_event_bus.shared.arn` in its policy document), nothing wider.
data "aws_cloudwatch_event_bus" "shared" {
  name = var.event_bus_name
}
