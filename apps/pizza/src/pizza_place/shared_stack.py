"""What the services share, for the local cloud: the same as ``terraform/deployments/shared`` (a test holds them).

- event bus ``pizza-shared-events``: services publish what happened on it and subscribe with rules;
  deployments find it by name (``data "aws_cloudwatch_event_bus"``), so it is created once, here, as the
  shared root creates it before any service is applied.
"""

from __future__ import annotations

from localcloud.stack import EventBus, Stack

__all__ = ["stack"]


def stack(prefix: str = "pizza") -> Stack:
    bus = f"{prefix}-shared-events"
    return Stack(
        name="shared",
        event_buses=(EventBus(name=bus),),
        outputs={"event_bus_name": f"${{bus.{bus}.name}}", "event_bus_arn": f"${{bus.{bus}.arn}}"},
    )
