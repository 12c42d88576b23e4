"""``pizza-oven-remove``: the baking state machine's last step. Frees the pizza's slot exactly once (handing
it straight to the head of the line when someone waits), puts the pizza on BakedItems and wakes the baker.
Invoked with the execution's input, ``{"id", "bakingTimeSecs"}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_oven.bootstrap import remove_ports
from pizza_oven.domain.commands import BakePizza
from pizza_oven.domain.model import Pizza
from pizza_oven.domain.outcomes import Removed
from pizza_oven.use_cases import remove

_METRICS = {
    Removed.TAKEN_OUT: "PizzasBaked",
    Removed.HANDED_OVER: "PizzasBaked",
    Removed.DUPLICATE: "DuplicateRemovals",
    Removed.NOT_IN_OVEN: "RemovalsNotInOven",
}


@instrumented(correlation_id_path="id")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    order = BakePizza.model_validate(event)  # the execution's input, written by the oven itself
    pizza = Pizza(order.id, order.baking_time_secs or 1)
    ports = remove_ports()
    removed = remove(
        pizza,
        ledger=ports.ledger,
        line=ports.line,
        timer=ports.timer,
        shelf=ports.shelf,
        bell=ports.bell,
        now=lambda: datetime.now(UTC),
    )
    if removed is Removed.NOT_IN_OVEN:
        logger.error("removal of a pizza the oven does not have baking", extra={"pizza": pizza.id})
    else:
        logger.info("pizza taken out", extra={"pizza": pizza.id, "outcome": removed.value})
    metrics.add_metric(name=_METRICS[removed], unit=MetricUnit.Count, value=1)
    return {"id": pizza.id, "outcome": removed.value}
