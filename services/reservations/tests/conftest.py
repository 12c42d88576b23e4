"""Tests of the reservations service in tiers: unit (domain, use cases on fakes), adapters (moto), contract."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# tests/fakes.py is imported as a plain module by the test files below it.
sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "reservations")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CloudPizzaPlace")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


import boto3
import pytest

REGION = "eu-west-1"


def create_tables(client, stack) -> None:
    """The stack's tables in moto, as the local cloud and Terraform make them."""
    for table in stack.tables:
        keys = [table.hash_key, *([table.range_key] if table.range_key else [])]
        attributes = {a.name: a.type for a in keys}
        indexes = []
        for index in table.global_secondary_indexes:
            index_keys = [index.hash_key, *([index.range_key] if index.range_key else [])]
            attributes.update({a.name: a.type for a in index_keys})
            indexes.append(
                {
                    "IndexName": index.name,
                    "KeySchema": [
                        {"AttributeName": a.name, "KeyType": kind}
                        for a, kind in zip(index_keys, ("HASH", "RANGE"), strict=False)
                    ],
                    "Projection": {"ProjectionType": index.projection},
                }
            )
        extra = {"GlobalSecondaryIndexes": indexes} if indexes else {}
        client.create_table(
            TableName=table.name,
            KeySchema=[
                {"AttributeName": a.name, "KeyType": kind} for a, kind in zip(keys, ("HASH", "RANGE"), strict=False)
            ],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
            BillingMode="PAY_PER_REQUEST",
            **extra,
        )


@pytest.fixture
def aws():
    """moto in process with the reservations stack's tables, bucket and queues (names from ``stack("test")``)."""
    from moto import mock_aws

    from pizza_reservations.stack import stack

    with mock_aws():
        built = stack("test")
        create_tables(boto3.client("dynamodb", region_name=REGION), built)
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in built.buckets:
            s3.create_bucket(Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield built
