"""``pizza-reservations-fanout``: the events table's one stream reader (AWS allows two per shard).

Every new event (INSERT; the filter drops the re-writes that set TTL and TTL's removals) goes on the changes
Kinesis stream, partition key = item id, so every consumer sees an item's events in order: snapshots and
archive, the projection and ``inventory-changed``, and the order workflows' inventory checks. An item's events
of a batch go in one record (``ItemChanges``; a few for a run past ``RECORD_BYTES``), and the batch's records in
``PutRecords`` (:func:`pizza_common.kinesis.put_records`: refused entries sent again within the invocation's time,
one record of an item a call, so none is sent again behind a later one). One record per event cost a call per
event of a hot item: 640 calls for 640 reservations of one item, 51 now (``bench/reservations_fanout.py``)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.aws import client
from pizza_common.kinesis import StreamRecord, bounded_groups, put_records
from pizza_common.observability import instrumented, logger, metrics
from pizza_reservations.bootstrap import settings

# A record's data is at most 1 MiB on Kinesis; an item's run of events is split well below it.
RECORD_BYTES = 256 * 1024


def item_changes(records: list[tuple[str, str, str]]) -> list[tuple[list[str], StreamRecord]]:
    """``(sequence number, item id, event JSON)`` in stream order -> for each record to put, the sequence numbers
    of its events and the record (``ItemChanges``: an item's events, in the order written)."""
    runs: dict[str, list[tuple[str, str]]] = {}
    for sequence, item_id, event in records:
        runs.setdefault(item_id, []).append((sequence, event))
    return [
        ([sequence for sequence, _ in group], StreamRecord(item_id, _changes_json(item_id, [e for _, e in group])))
        for item_id, run in runs.items()
        for group in bounded_groups(run, lambda entry: len(entry[1].encode()) + 1, max_bytes=RECORD_BYTES)
    ]


def _changes_json(item_id: str, events: list[str]) -> bytes:
    # The events as the store keeps them (already JSON), inside the record's object.
    return ('{"item_id":' + json.dumps(item_id) + ',"events":[' + ",".join(events) + "]}").encode()


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = [
        (record.dynamodb.sequence_number or "0", str(image["pk"]), str(image["event"]))
        for record in DynamoDBStreamEvent(event).records
        if record.dynamodb is not None and (image := record.dynamodb.new_image)
    ]
    if not records:
        return {"batchItemFailures": []}
    changes = item_changes(records)
    refused = put_records(client("kinesis"), settings().changes_stream, [record for _, record in changes])
    failed = [sequence for index in refused for sequence in changes[index][0]]
    metrics.add_metric(name="ChangesFannedOut", unit=MetricUnit.Count, value=len(records) - len(failed))
    if failed:
        logger.warning("changes not put on the stream", extra={"failed": len(failed)})
        # The stream is checkpointed at the first failure: it and the records after it come again.
        return {"batchItemFailures": [{"itemIdentifier": min(failed, key=int)}]}
    return {"batchItemFailures": []}
