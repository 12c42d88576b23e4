"""``pizza-reservations-sweep``: every minute (a schedule), a ``Released`` for every expired hold, exactly once.

Availability never waits for this: an expired hold stops counting at its expiry. The sweep only records it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_reservations import use_cases
from pizza_reservations.bootstrap import inventory

# Holds released side by side: each release waits on DynamoDB most of its time (boto3's clients are thread safe,
# and its default pool keeps 10 connections).
SWEEP_WORKERS = 8


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = inventory()
    settled = use_cases.expire_holds(
        store=ports.store,
        snapshots=ports.snapshots,
        requests=ports.requests,
        now=lambda: datetime.now(UTC),
        workers=SWEEP_WORKERS,
    )
    logger.info("expired holds released", extra={"released": settled})
    metrics.add_metric(name="HoldsExpired", unit=MetricUnit.Count, value=settled)
    return {"released": settled}
