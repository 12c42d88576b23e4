"""``pizza-oven-reconcile``: every minute (a schedule rule), repairs slots whose baking never started or
never ended, recounts the load and rings the baker, so no slot leaks and no pizza is lost.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_oven.bootstrap import reconcile_ports
from pizza_oven.use_cases import reconcile

_TIME_MARGIN_MS = 5_000
_METRICS = {"started": "SlotsRestarted", "taken_out": "PizzasRescued", "failed": "PizzasFailed"}


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ports = reconcile_ports()
    done = reconcile(
        ledger=ports.ledger,
        timer=ports.timer,
        line=ports.line,
        waiting_line=ports.waiting_line,
        shelf=ports.shelf,
        bell=ports.bell,
        rejects=ports.rejects,
        now=lambda: datetime.now(UTC),
        start_grace=timedelta(seconds=ports.settings.start_grace_secs),
        has_time=lambda: context.get_remaining_time_in_millis() > _TIME_MARGIN_MS,
    )
    figures = asdict(done)
    logger.info("oven reconciled", extra=figures)
    for field, metric in _METRICS.items():
        if figures[field]:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=figures[field])
    if done.recounted:
        metrics.add_metric(name="LoadRecounted", unit=MetricUnit.Count, value=1)
    return figures
