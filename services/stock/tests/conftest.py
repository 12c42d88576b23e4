"""The stock service's tests, in tiers: ``unit`` (domain and use cases on the fakes of ``fakes.py``, no moto),
``adapters`` (adapters and handlers against moto in process), ``contract`` (each fake held to its adapter).
The ``aws`` fixture (moto with what stack.py declares) serves the last two."""

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

from stock_helpers import LEVELS, TABLE

from localcloud.testing import FakeLambdaContext, lambda_context


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto in process with what stack.py declares (table, bucket, levels stream); fresh clients and settings."""
    from localcloud.testing import moto_stack
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
    with moto_stack(stack(), region="us-east-1"):
        yield common_aws
    _clear_caches(common_aws, load)


def _clear_caches(common_aws: Any, load: Any) -> None:
    common_aws.client.cache_clear()
    load.cache_clear()
    from pizza_stock import bootstrap

    for cached in (bootstrap.api, bootstrap.ingest, bootstrap.expire, bootstrap.broadcast):
        cached.cache_clear()


@pytest.fixture
def context() -> FakeLambdaContext:
    return lambda_context(function_name="pizza-stock-test")
