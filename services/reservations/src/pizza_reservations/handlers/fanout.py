"""``pizza-reservations-fanout``: the events table's one stream reader (AWS allows two per shard).

Every new event (INSERT; the filter drops the re-writes that set TTL and TTL's removals) goes on the changes
Kinesis stream, partition key = item id, so every consumer sees an item's events in order: snapshots and
archive, the projection and ``inventory-changed``, and the order workflows' inventory checks. A batch goes in
``PutRecords`` (:func:`pizza_common.kinesis.put_records`: refused entries sent again within the invocation's
time, one event of an item a call, so none is sent again behind a later one)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.aws import client
from pizza_common.kinesis import StreamRecord, put_records
from pizza_common.observability import instrumented, logger, metrics
from pizza_reservations.bootstrap import settings


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = [
        (record.dynamodb.sequence_number or "0", record.dynamodb.new_image)
        for record in DynamoDBStreamEvent(event).records
        if record.dynamodb is not None and record.dynamodb.new_image
    ]
    if not records:
        return {"batchItemFailures": []}
    refused = put_records(
        client("kinesis"),
        settings().changes_stream,
        [StreamRecord(str(image["pk"]), str(image["event"]).encode()) for _, image in records],
    )
    failed = [records[index][0] for index in refused]
    metrics.add_metric(name="ChangesFannedOut", unit=MetricUnit.Count, value=len(records) - len(failed))
    if failed:
        logger.warning("changes not put on the stream", extra={"failed": len(failed)})
        # The stream is checkpointed at the first failure: it and the records after it come again.
        return {"batchItemFailures": [{"itemIdentifier": min(failed, key=int)}]}
    return {"batchItemFailures": []}
