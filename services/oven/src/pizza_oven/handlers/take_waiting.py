"""``pizza-oven-take-waiting``: the baker. Woken through the wake-ups FIFO queue, it takes waiting pizzas
into free slots, head of the line first.

Every record of a batch is one ring of the bell, and one pass over the line answers them all. If the pass
fails (a baking that would not start), the invocation fails and the rings come back to try again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.aws import client
from pizza_common.observability import instrumented, logger, metrics
from pizza_common.settings import load
from pizza_oven.adapters.ledger import DynamoDbLedger
from pizza_oven.adapters.queues import SqsBell, SqsLineHead
from pizza_oven.adapters.timer import StepFunctionsTimer
from pizza_oven.domain.oven import take_waiting
from pizza_oven.settings import TakeWaitingSettings

# Stop taking pizzas this long before the function's timeout, and ring for a fresh baker instead.
_TIME_MARGIN_MS = 5_000


@cache
def _ports() -> dict[str, Any]:
    settings = load(TakeWaitingSettings)
    return {
        "ledger": DynamoDbLedger(settings.oven_table, client("dynamodb")),
        "line": SqsLineHead(settings.waiting_queue_url, client("sqs")),
        "timer": StepFunctionsTimer(settings.bake_state_machine_arn, client("stepfunctions")),
    }


@cache
def _bell() -> SqsBell:
    return SqsBell(load(TakeWaitingSettings).wakeups_queue_url, client("sqs"))


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rings = len(event.get("Records", []))
    served = take_waiting(
        **_ports(),
        now=lambda: datetime.now(UTC),
        has_time=lambda: context.get_remaining_time_in_millis() > _TIME_MARGIN_MS,
    )
    if served.unfinished:
        _bell().ring(f"continue-{context.aws_request_id}")
    logger.info("line tended", extra={"rings": rings, "taken": served.taken, "unfinished": served.unfinished})
    metrics.add_metric(name="PizzasTakenFromLine", unit=MetricUnit.Count, value=served.taken)
    return {"batchItemFailures": []}
