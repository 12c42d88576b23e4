# tools/localstack.sh: the test settings of this root on LocalStack (teardown allowed).
region                      = "us-east-1"
event_bus_name              = "pizza-shared-events"
alarm_topic_arn             = "arn:aws:sns:us-east-1:000000000000:pizza-shared-alarms"
deletion_protection_enabled = false
force_destroy               = true
