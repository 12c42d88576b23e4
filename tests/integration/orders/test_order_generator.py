"""The order generator: its schedule exists disabled; a run (as the schedule would make it) places orders that
flow through reserve-stock like any other."""

from __future__ import annotations

import pytest
from orders_target import decided

from localcloud.polling import eventually


def test_the_generators_schedule_is_disabled_by_default(localcloud):
    events = localcloud.client("events")
    rule = events.describe_rule(Name="pizza-orders-generator")
    assert rule["State"] == "DISABLED" and rule["ScheduleExpression"] == "rate(1 minute)"


@pytest.mark.localcloud_only
def test_a_run_of_the_generator_places_orders_that_are_decided(localcloud, orders):
    result = localcloud.cloud.invoke(
        "pizza-orders-generator", {"source": "aws.events", "detail-type": "Scheduled Event"}
    )
    assert result.ok, result.payload
    placed = result.payload["placed"]
    assert len(placed) == 5
    for order_id in placed:
        assert decided(orders, order_id)["status"] in ("RESERVED", "UNAVAILABLE")
    eventually(lambda: all(orders.order(o).status == 200 for o in placed), "every generated order recorded")
