"""The composition roots: each function's ports on AWS, built once per cold start and reused while warm.

One root per kind of function, holding only the adapters it uses, so that what a function can reach (and
its IAM policy, which tests/terraform holds to the code) is exactly what it needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pizza_common.aws import client
from pizza_common.settings import load
from pizza_reservations.adapters.archive import S3Archive
from pizza_reservations.adapters.commands import SqsCommands
from pizza_reservations.adapters.event_store import DynamoDbEventLog, DynamoDbEventStore, DynamoDbRetirement
from pizza_reservations.adapters.projection import DynamoDbProjection
from pizza_reservations.adapters.publisher import EventBridgePublisher
from pizza_reservations.adapters.requests import DynamoDbRequests
from pizza_reservations.adapters.snapshots import DynamoDbSnapshots
from pizza_reservations.ports import (
    Archive,
    Commands,
    EventLog,
    EventStore,
    Projection,
    Publisher,
    Requests,
    Retirement,
    Snapshots,
)
from pizza_reservations.settings import ReservationsSettings

__all__ = ["Api", "Archiving", "Inventory", "Projecting", "api", "archiving", "inventory", "projecting", "settings"]


@cache
def settings() -> ReservationsSettings:
    return load(ReservationsSettings)


@dataclass(frozen=True)
class Inventory:
    """The guarded write path: events, request records, snapshots (the commands processor and the sweep)."""

    store: EventStore
    requests: Requests
    snapshots: Snapshots


@cache
def inventory() -> Inventory:
    dynamodb = client("dynamodb")
    return Inventory(
        store=DynamoDbEventStore(settings().events_table, settings().requests_table, settings().gates, dynamodb),
        requests=DynamoDbRequests(settings().requests_table, dynamodb),
        snapshots=DynamoDbSnapshots(settings().snapshots_table, dynamodb),
    )


@dataclass(frozen=True)
class Api:
    inventory: Inventory
    projection: Projection
    archive: Archive
    commands: Commands


@cache
def api() -> Api:
    return Api(
        inventory=inventory(),
        projection=DynamoDbProjection(settings().items_table, client("dynamodb")),
        archive=S3Archive(settings().archive_bucket, client("s3")),
        commands=SqsCommands(settings().commands_queue_url, client("sqs")),
    )


@dataclass(frozen=True)
class Archiving:
    """The snapshot consumer: archive, snapshot, retire."""

    store: EventLog  # it only reads the streams: no gate, no append
    snapshots: Snapshots
    archive: Archive
    retirement: Retirement


@cache
def archiving() -> Archiving:
    dynamodb = client("dynamodb")
    return Archiving(
        store=DynamoDbEventLog(settings().events_table, dynamodb),
        snapshots=DynamoDbSnapshots(settings().snapshots_table, dynamodb),
        archive=S3Archive(settings().archive_bucket, client("s3")),
        retirement=DynamoDbRetirement(settings().events_table, dynamodb),
    )


@dataclass(frozen=True)
class Projecting:
    """The projection consumer: the items table and the bus."""

    store: EventLog  # it only reads the streams: no gate, no append
    snapshots: Snapshots
    projection: Projection
    publisher: Publisher


@cache
def projecting() -> Projecting:
    dynamodb = client("dynamodb")
    return Projecting(
        store=DynamoDbEventLog(settings().events_table, dynamodb),
        snapshots=DynamoDbSnapshots(settings().snapshots_table, dynamodb),
        projection=DynamoDbProjection(settings().items_table, dynamodb),
        publisher=EventBridgePublisher(settings().event_bus_name, client("events")),
    )
