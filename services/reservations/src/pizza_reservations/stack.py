"""The reservations service's resources for the local cloud: the same as ``terraform/modules/reservations``
(a test holds the two together).

Resources, with prefix ``pizza``:

- tables ``pizza-reservations-events`` (``pk`` item, ``sk`` version; stream NEW_IMAGE; TTL ``purge_at``),
  ``-requests`` (``pk``; TTL ``purge_at``; sparse index ``expiring-holds``), ``-snapshots``, ``-items``,
  ``-gates`` (``pk`` item: the version and free units every append takes from);
- Kinesis stream ``pizza-reservations-changes``: every event, an item's run of a batch a record, partition key
  = item (the fan-out);
- bucket ``pizza-reservations-archive``: events as JSON Lines (Terraform adds the account and region);
- queue ``pizza-reservations-commands`` (DLQ ``-commands-dlq``) and one failure queue per stream consumer;
- functions ``-api``, ``-commands``, ``-sweep`` (every minute), ``-fanout`` (the events table's one stream
  reader), ``-snapshots`` and ``-projection`` (the changes stream's readers);
- the function URL of ``pizza-reservations-api`` (AWS_IAM), routed by the function (``ROUTES``);
  ``inventory-changed`` on the shared bus ``pizza-shared-events``, which the shared stack declares
  (``pizza_place.shared_stack``, as ``terraform/deployments/shared`` makes it): named here by reference.
"""

from __future__ import annotations

from typing import Any

from localcloud.stack import (
    Attribute,
    Bucket,
    DestinationConfig,
    Function,
    FunctionUrl,
    GlobalSecondaryIndex,
    KinesisStream,
    Queue,
    Rule,
    RuleTarget,
    SqsSource,
    Stack,
    StreamSource,
    Table,
)

__all__ = ["FANOUT_FILTER", "ROUTES", "stack"]

# The routes the API function serves (openapi.yaml documents exactly these; a test holds them together).

# New events only: not the re-writes that set an event's TTL, nor TTL's removals.
FANOUT_FILTER: dict[str, Any] = {"eventName": ["INSERT"]}
DLQ_RETENTION_SECONDS = 1_209_600  # 14 days, the most SQS keeps
API_TIMEOUT = 29
ROUTES = (
    ("POST", "/reservations"),
    ("GET", "/reservations/{reservationId}"),
    ("DELETE", "/reservations/{reservationId}"),
    ("POST", "/reservations/{reservationId}/confirm"),
    ("POST", "/items/{itemId}/adjustments"),
    ("GET", "/items"),
    ("GET", "/items/{itemId}"),
    ("GET", "/items/{itemId}/history"),
)


def stack(prefix: str = "pizza", *, snapshot_every: int = 50) -> Stack:
    def name(thing: str) -> str:
        return f"{prefix}-reservations-{thing}"

    events, requests, snapshots, items = name("events"), name("requests"), name("snapshots"), name("items")
    gates = name("gates")
    changes, archive, commands, api = name("changes"), name("archive"), name("commands"), name("api")
    bus = f"{prefix}-shared-events"
    environment = {
        "POWERTOOLS_SERVICE_NAME": "reservations",
        "POWERTOOLS_METRICS_NAMESPACE": "CloudPizzaPlace",
        "LOG_LEVEL": "INFO",
        "EVENTS_TABLE": f"${{table.{events}.name}}",
        "REQUESTS_TABLE": f"${{table.{requests}.name}}",
        "GATES_TABLE": f"${{table.{gates}.name}}",
        "SNAPSHOTS_TABLE": f"${{table.{snapshots}.name}}",
        "ITEMS_TABLE": f"${{table.{items}.name}}",
        "ARCHIVE_BUCKET": f"${{bucket.{archive}.name}}",
        "COMMANDS_QUEUE_URL": f"${{queue.{commands}.url}}",
        "CHANGES_STREAM": f"${{stream.{changes}.name}}",
        "EVENT_BUS_NAME": f"${{bus.{bus}.name}}",
        "SNAPSHOT_EVERY": str(snapshot_every),
        "HOT_RETENTION_DAYS": "30",
    }

    def changes_source(failures: str) -> StreamSource:
        return StreamSource(
            kind="kinesis",
            stream=changes,
            batch_size=100,
            starting_position="TRIM_HORIZON",
            report_batch_item_failures=True,
            maximum_retry_attempts=10,
            destination=DestinationConfig(on_failure_queue=failures),
        )

    def failures(thing: str) -> Queue:
        return Queue(name=name(f"{thing}-failures"), message_retention_seconds=DLQ_RETENTION_SECONDS)

    return Stack(
        name="reservations",
        buckets=(Bucket(name=archive),),
        tables=(
            Table(
                name=events,
                hash_key=Attribute(name="pk"),
                range_key=Attribute(name="sk", type="N"),
                stream_view="NEW_IMAGE",
                ttl_attribute="purge_at",
            ),
            Table(
                name=requests,
                hash_key=Attribute(name="pk"),
                ttl_attribute="purge_at",
                global_secondary_indexes=(
                    GlobalSecondaryIndex(
                        name="expiring-holds",
                        hash_key=Attribute(name="hold_bucket"),
                        range_key=Attribute(name="hold_expires", type="N"),
                        projection="ALL",
                    ),
                ),
            ),
            Table(name=snapshots, hash_key=Attribute(name="pk")),
            Table(name=items, hash_key=Attribute(name="pk")),
            Table(name=gates, hash_key=Attribute(name="pk")),
        ),
        streams=(KinesisStream(name=changes, shard_count=1, retention_hours=24),),
        queues=(
            Queue(
                name=commands,
                visibility_timeout=6 * 30,
                dead_letter_queue=f"{commands}-dlq",
                max_receive_count=5,
            ),
            Queue(name=f"{commands}-dlq", message_retention_seconds=DLQ_RETENTION_SECONDS),
            failures("fanout"),
            failures("snapshots"),
            failures("projection"),
        ),
        rules=(
            Rule(
                name=name("sweep"),
                schedule_expression="rate(1 minute)",
                targets=(RuleTarget(kind="function", name=name("sweep")),),
            ),
        ),
        functions=(
            Function(
                name=api,
                handler="pizza_reservations.handlers.api.handler",
                environment=environment,
                timeout=API_TIMEOUT,
                url=FunctionUrl(authorization="AWS_IAM"),
            ),
            Function(
                name=name("commands"),
                handler="pizza_reservations.handlers.commands.handler",
                environment=environment,
                timeout=30,
                event_sources=(SqsSource(queue=commands, batch_size=10),),
            ),
            Function(
                name=name("sweep"),
                handler="pizza_reservations.handlers.sweep.handler",
                environment=environment,
                timeout=55,
            ),
            Function(
                name=name("fanout"),
                handler="pizza_reservations.handlers.fanout.handler",
                environment=environment,
                timeout=60,
                event_sources=(
                    StreamSource(
                        kind="dynamodb",
                        table=events,
                        batch_size=100,
                        starting_position="TRIM_HORIZON",
                        filter_patterns=(FANOUT_FILTER,),
                        report_batch_item_failures=True,
                        maximum_retry_attempts=10,
                        destination=DestinationConfig(on_failure_queue=name("fanout-failures")),
                    ),
                ),
            ),
            Function(
                name=name("snapshots"),
                handler="pizza_reservations.handlers.snapshots.handler",
                environment=environment,
                timeout=60,
                event_sources=(changes_source(name("snapshots-failures")),),
            ),
            Function(
                name=name("projection"),
                handler="pizza_reservations.handlers.projection.handler",
                environment=environment,
                timeout=60,
                event_sources=(changes_source(name("projection-failures")),),
            ),
        ),
        outputs={
            "reservations_api_url": f"${{function.{api}.url}}",
            "events_table": f"${{table.{events}.name}}",
            "requests_table": f"${{table.{requests}.name}}",
            "snapshots_table": f"${{table.{snapshots}.name}}",
            "items_table": f"${{table.{items}.name}}",
            "gates_table": f"${{table.{gates}.name}}",
            "archive_bucket": f"${{bucket.{archive}.name}}",
            "changes_stream": f"${{stream.{changes}.name}}",
            "commands_queue_url": f"${{queue.{commands}.url}}",
            "event_bus_name": f"${{bus.{bus}.name}}",
        },
    )
