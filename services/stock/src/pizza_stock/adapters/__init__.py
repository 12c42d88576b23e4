"""Adapters named after the ports they implement (``pizza_stock.ports``): DynamoDB, S3 and Kinesis."""
