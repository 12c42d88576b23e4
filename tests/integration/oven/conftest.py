"""The oven of the session's target (the local cloud by default), through its doors."""

from __future__ import annotations

import pytest
from oven_target import OvenTarget

from pizza_oven.client import OvenClient, OvenOutputs


@pytest.fixture(scope="session")
def oven(localcloud) -> OvenTarget:
    outputs = localcloud.service("oven")
    client = OvenClient(OvenOutputs.of_service(outputs, localcloud.endpoint, localcloud.region))
    return OvenTarget(client=client, stepfunctions=localcloud.client("stepfunctions"))
