"""The composition root: the ports on AWS, built once per cold start and reused while warm."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pizza_common.aws import client
from pizza_common.settings import load
from pizza_reservations.adapters.archive import S3Archive
from pizza_reservations.adapters.commands import SqsCommands
from pizza_reservations.adapters.event_store import DynamoDbEventStore
from pizza_reservations.adapters.projection import DynamoDbProjection
from pizza_reservations.adapters.publisher import EventBridgePublisher
from pizza_reservations.adapters.requests import DynamoDbRequests
from pizza_reservations.adapters.snapshots import DynamoDbSnapshots
from pizza_reservations.ports import Archive, Commands, EventStore, Projection, Publisher, Requests, Snapshots
from pizza_reservations.settings import ReservationsSettings

__all__ = ["Reservations", "reservations"]


@dataclass(frozen=True)
class Reservations:
    settings: ReservationsSettings
    store: EventStore
    requests: Requests
    snapshots: Snapshots
    projection: Projection
    archive: Archive
    publisher: Publisher
    commands: Commands


@cache
def reservations() -> Reservations:
    settings = load(ReservationsSettings)
    dynamodb = client("dynamodb")
    return Reservations(
        settings=settings,
        store=DynamoDbEventStore(settings.events_table, settings.requests_table, dynamodb),
        requests=DynamoDbRequests(settings.requests_table, dynamodb),
        snapshots=DynamoDbSnapshots(settings.snapshots_table, dynamodb),
        projection=DynamoDbProjection(settings.items_table, dynamodb),
        archive=S3Archive(settings.archive_bucket, client("s3")),
        publisher=EventBridgePublisher(settings.event_bus_name, client("events")),
        commands=SqsCommands(settings.commands_queue_url, client("sqs")),
    )
