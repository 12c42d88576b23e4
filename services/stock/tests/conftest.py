"""The stock service's tests, in tiers: ``unit`` (domain and use cases on the fakes of ``fakes.py``, no moto),
``adapters`` (adapters and handlers against moto in process), ``contract`` (each fake held to its adapter)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# tests/fakes.py and tests/stock_helpers.py are imported as plain modules by the test files.
sys.path.insert(0, str(Path(__file__).parent))

# Powertools reads these when pizza_common.observability is imported, before any test runs.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "stock")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CloudPizzaPlace")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from stock_helpers import BUCKET, LEVELS, TABLE, FakeContext


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto in process with the stock table, bucket and levels stream; fresh clients and settings."""
    from moto import mock_aws

    from pizza_common import aws as common_aws
    from pizza_common.settings import load
    from pizza_stock.stack import stack

    environment = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "STOCK_TABLE": TABLE,
        "STOCK_LEVELS_STREAM": LEVELS,
        "POWERTOOLS_SERVICE_NAME": "stock",
        "POWERTOOLS_METRICS_NAMESPACE": "CloudPizzaPlace",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    _clear_caches(common_aws, load)
    with mock_aws():
        [table] = stack().tables
        dynamodb = common_aws.client("dynamodb")
        attributes = {table.hash_key, table.range_key} | {
            key for index in table.global_secondary_indexes for key in (index.hash_key, index.range_key) if key
        }
        dynamodb.create_table(
            TableName=table.name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a.name, "AttributeType": a.type} for a in attributes if a],
            KeySchema=[
                {"AttributeName": table.hash_key.name, "KeyType": "HASH"},
                {"AttributeName": table.range_key.name, "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": index.name,
                    "KeySchema": [
                        {"AttributeName": index.hash_key.name, "KeyType": "HASH"},
                        {"AttributeName": index.range_key.name, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": index.projection},
                }
                for index in table.global_secondary_indexes
                if index.range_key
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": table.stream_view},
        )
        common_aws.client("s3").create_bucket(Bucket=BUCKET)
        common_aws.client("kinesis").create_stream(StreamName=LEVELS, ShardCount=1)
        yield common_aws
    _clear_caches(common_aws, load)


def _clear_caches(common_aws: Any, load: Any) -> None:
    common_aws.client.cache_clear()
    load.cache_clear()
    from pizza_stock import bootstrap

    for cached in (bootstrap.api, bootstrap.ingest, bootstrap.expire, bootstrap.broadcast):
        cached.cache_clear()


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()
