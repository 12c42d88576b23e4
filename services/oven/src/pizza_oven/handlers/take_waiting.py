"""``pizza-oven-take-waiting``: the baker. Woken through the wake-ups FIFO queue, it takes waiting pizzas
into free slots, head of the line first.

Every record of a batch is one ring of the bell, and one pass over the line answers them all. A pass that
fails (a baking that would not start, a table that stayed contended) never stalls the line for the queue's
visibility timeout: its rings come back after a short backoff (5 s, doubling, at most 60 s) as partial
batch failures; after five they reach the wake-ups DLQ, and the reconciler rings every minute besides.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_oven.bootstrap import take_waiting_ports
from pizza_oven.ports import StartFailed
from pizza_oven.use_cases import take_waiting

# Stop taking pizzas this long before the function's timeout, and ring for a fresh baker instead.
_TIME_MARGIN_MS = 5_000


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = take_waiting_ports()
    rings = len(event.get("Records", []))
    try:
        served = take_waiting(
            ledger=ports.ledger,
            line=ports.line,
            timer=ports.timer,
            now=lambda: datetime.now(UTC),
            has_time=lambda: context.get_remaining_time_in_millis() > _TIME_MARGIN_MS,
        )
    except Exception as failure:  # the head keeps its place; the rings come back soon to try again
        records = event.get("Records", [])
        receives = max((int(r.get("attributes", {}).get("ApproximateReceiveCount", "1")) for r in records), default=1)
        backoff = min(60, 5 * 2 ** (receives - 1))
        logger.exception("baker stopped", extra={"reason": str(failure), "retry_in_secs": backoff})
        name = "BakingStartFailures" if isinstance(failure, StartFailed) else "BakerFailures"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        ports.snooze.snooze([record["receiptHandle"] for record in records], backoff)
        return {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record in records]}
    if served.unfinished:
        ports.bell.ring(f"continue-{context.aws_request_id}")
    logger.info("line tended", extra={"rings": rings, "taken": served.taken, "unfinished": served.unfinished})
    metrics.add_metric(name="PizzasTakenFromLine", unit=MetricUnit.Count, value=served.taken)
    return {"batchItemFailures": []}
