"""Powertools Logger, Tracer and Metrics, set up once, and the decorator stack every handler wears.

The service name comes from ``POWERTOOLS_SERVICE_NAME`` and the metrics namespace from
``POWERTOOLS_METRICS_NAMESPACE``, both set by Terraform (and by the local cloud from ``stack.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer

from pizza_common.deadline import Deadline, within

__all__ = ["instrumented", "logger", "metrics", "tracer"]

logger = Logger()
tracer = Tracer()
metrics = Metrics()

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


def instrumented(correlation_id_path: str | None = None) -> Callable[[HandlerT], HandlerT]:
    """Log the Lambda context (and a correlation id), trace the handler, flush metrics with cold start, and
    bound every retry inside by the invocation's remaining time (:func:`pizza_common.deadline.current`).

    ``correlation_id_path`` is a JMESPath into the event, e.g. ``correlation_paths.API_GATEWAY_HTTP``.
    """

    def decorate(handler: HandlerT) -> HandlerT:
        @functools.wraps(handler)
        def bounded(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            with within(Deadline.of_context(context)):
                return handler(event, context, *args, **kwargs)

        wrapped = metrics.log_metrics(capture_cold_start_metric=True)(bounded)
        wrapped = tracer.capture_lambda_handler(wrapped)
        wrapped = logger.inject_lambda_context(correlation_id_path=correlation_id_path)(wrapped)
        return cast(HandlerT, wrapped)

    return decorate
