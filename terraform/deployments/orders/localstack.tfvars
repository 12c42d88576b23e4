# tools/localstack.sh: the test settings of this root on LocalStack (teardown allowed). The reservations
# root's outputs (reservations_commands_queue_url, reservations_archive_bucket) are passed by the script.
region                      = "us-east-1"
event_bus_name              = "pizza-shared-events"
alarm_topic_arn             = "arn:aws:sns:us-east-1:000000000000:pizza-shared-alarms"
deletion_protection_enabled = false
