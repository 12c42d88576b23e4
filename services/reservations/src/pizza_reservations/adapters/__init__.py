"""The ports on AWS: DynamoDB (events, requests, snapshots, projection), S3 (archive), EventBridge, SQS."""
