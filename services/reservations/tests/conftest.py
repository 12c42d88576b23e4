"""Tests of the reservations service in tiers: unit (domain, use cases on fakes), adapters (moto), contract."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from localcloud.stack import EventBus, Stack
from localcloud.testing import moto_stack

# tests/fakes.py is imported as a plain module by the test files below it.
sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "reservations")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CloudPizzaPlace")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


@pytest.fixture
def aws(monkeypatch):
    """moto in process with what ``stack("test")`` declares (tables, bucket, queues, stream) and the shared bus
    it names, every function's variables set, and the composition roots and clients made afresh (so they
    reach moto)."""
    from pizza_common import aws as common_aws
    from pizza_common.settings import load
    from pizza_reservations import bootstrap
    from pizza_reservations.stack import stack

    roots = (bootstrap.settings, bootstrap.inventory, bootstrap.api, bootstrap.archiving, bootstrap.projecting)
    # The shared bus is the shared stack's (apps/pizza, not a dependency of this package): the same bus here.
    shared = Stack(name="shared", event_buses=(EventBus(name="test-shared-events"),))
    with moto_stack(shared, stack("test")) as cloud:
        cloud.use_environment(monkeypatch, "test-reservations-api")
        for cached in (load, common_aws.client, *roots):
            cached.cache_clear()
        yield cloud
        for cached in (load, common_aws.client, *roots):
            cached.cache_clear()
