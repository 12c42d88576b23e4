"""The oven of the session's target (the local cloud by default), through its doors."""

from __future__ import annotations

import pytest
from oven_target import OvenTarget

from pizza_oven.cli import OvenClient, OvenOutputs


@pytest.fixture(scope="session")
def oven(localcloud) -> OvenTarget:
    outputs = localcloud.service("oven")
    client = OvenClient(
        OvenOutputs(
            new_items_queue_url=outputs["new_items_queue_url"],
            baked_items_queue_url=outputs["baked_items_queue_url"],
            oven_table=outputs["oven_table"],
            bake_state_machine_arn=outputs["bake_state_machine_arn"],
            endpoint=localcloud.endpoint,
            region=localcloud.region,
        )
    )
    return OvenTarget(client=client, stepfunctions=localcloud.client("stepfunctions"))
