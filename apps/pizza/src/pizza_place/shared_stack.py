"""What the services share, for the local cloud: the same as ``terraform/deployments/shared`` (a test holds them).

- event bus ``pizza-shared-events``: services publish what happened on it and subscribe with rules;
  deployments find it by name (``data "aws_cloudwatch_event_bus"``), so it is created once, here, as the
  shared root creates it before any service is applied. The reservations and orders stacks name it by
  reference, so a local cloud that runs them runs this stack too (every entry point is started together);
- SNS topic ``pizza-shared-alarms``: where every alarm of the services goes (``alarm_topic_arn``).
"""

from __future__ import annotations

from localcloud.stack import EventBus, Stack, Topic

__all__ = ["stack"]


def stack(prefix: str = "pizza") -> Stack:
    bus, alarms = f"{prefix}-shared-events", f"{prefix}-shared-alarms"
    return Stack(
        name="shared",
        event_buses=(EventBus(name=bus),),
        topics=(Topic(name=alarms),),
        outputs={
            "event_bus_name": f"${{bus.{bus}.name}}",
            "event_bus_arn": f"${{bus.{bus}.arn}}",
            "alarm_topic_arn": f"${{topic.{alarms}.arn}}",
        },
    )
