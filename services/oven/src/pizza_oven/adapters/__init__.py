"""The oven's ports implemented with boto3: the DynamoDB ledger, the SQS queues, the Step Functions timer."""
