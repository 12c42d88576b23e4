"""``pizza-oven-remove``: the baking state machine's last step. Frees the pizza's slot exactly once, puts
it on the BakedItems queue and wakes the baker. Invoked with the execution's input, ``{"id", "bakingTimeSecs"}``.
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
from pizza_oven.adapters.queues import SqsBell, SqsShelf
from pizza_oven.domain.model import Pizza, PizzaOrder
from pizza_oven.domain.oven import Removed, remove
from pizza_oven.settings import RemoveSettings

_METRICS = {
    Removed.TAKEN_OUT: "PizzasBaked",
    Removed.DUPLICATE: "DuplicateRemovals",
    Removed.NOT_IN_OVEN: "RemovalsNotInOven",
}


@cache
def _ports() -> dict[str, Any]:
    settings = load(RemoveSettings)
    return {
        "ledger": DynamoDbLedger(settings.oven_table, client("dynamodb")),
        "shelf": SqsShelf(settings.baked_items_queue_url, client("sqs")),
        "bell": SqsBell(settings.wakeups_queue_url, client("sqs")),
    }


@instrumented(correlation_id_path="id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    order = PizzaOrder.model_validate(event)  # the execution's input, written by the oven itself
    pizza = Pizza(order.id, order.baking_time_secs or 1)
    removed = remove(pizza, **_ports(), now=lambda: datetime.now(UTC))
    if removed is Removed.NOT_IN_OVEN:
        logger.error("removal of a pizza the oven does not have baking", extra={"pizza": pizza.id})
    else:
        logger.info("pizza taken out", extra={"pizza": pizza.id, "outcome": removed.value})
    metrics.add_metric(name=_METRICS[removed], unit=MetricUnit.Count, value=1)
    return {"id": pizza.id, "outcome": removed.value}
