"""``pizza-stock-ingest``: a CSV delivery dropped in the deliveries bucket becomes batches, once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger, metrics
from pizza_stock import bootstrap
from pizza_stock.domain import Delivery, IngestStatus
from pizza_stock.use_cases import ingest_delivery


@instrumented()
@event_source(data_class=S3Event)
def handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    ports = bootstrap.ingest()
    outcomes = []
    for record in event.records:
        key = unquote_plus(record.s3.get_object.key)  # notifications URL-encode keys
        outcome = ingest_delivery(
            Delivery(record.s3.bucket.name, key),
            etag=record.s3.get_object.etag or None,
            version_id=record.s3.get_object.version_id,
            upload=record.s3.get_object.version_id or record.event_time,
            now=datetime.now(UTC),
            log=ports.log,
            inbox=ports.inbox,
        )
        logger.info("delivery read", extra={"key": key, "outcome": outcome.status, "accepted": outcome.accepted})
        metrics.add_metric(name="RowsAccepted", unit=MetricUnit.Count, value=outcome.accepted)
        metrics.add_metric(name="RowsRejected", unit=MetricUnit.Count, value=outcome.rejected)
        if outcome.status in (IngestStatus.CONFLICT, IngestStatus.REFUSED):
            metrics.add_metric(name=f"Deliveries{outcome.status.title()}", unit=MetricUnit.Count, value=1)
        outcomes.append({"key": key, "status": str(outcome.status), "accepted": outcome.accepted})
    return {"deliveries": outcomes}
