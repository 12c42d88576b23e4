"""The DynamoDB adapters on moto where DynamoDB's own behaviour matters: a Scan that stops short of its Limit, and
how long the requests table keeps each record (its TTL attribute, ``purge_at``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from pizza_reservations.adapters.event_store import DynamoDbEventStore
from pizza_reservations.adapters.projection import DynamoDbProjection
from pizza_reservations.adapters.requests import DynamoDbRequests
from pizza_reservations.domain.events import Adjusted, Released, Reserved
from pizza_reservations.domain.model import (
    AdjustmentRecord,
    ItemState,
    ItemView,
    ReservationRecord,
    ReservationStatus,
)
from pizza_reservations.ports import Appended, Claim, Settle

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
REGION = "eu-west-1"
REQUESTS = "test-reservations-requests"


class ShortScans:
    """The client, with every Scan stopping after one item (as DynamoDB does after 1 MB read), the first one
    throttled."""

    def __init__(self, client: Any) -> None:
        self.client, self.scans = client, 0

    def scan(self, **arguments: Any) -> dict[str, Any]:
        self.scans += 1
        if self.scans == 1:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "Scan")
        return self.client.scan(**{**arguments, "Limit": 1})


def test_a_page_of_items_scans_on_until_it_is_full_when_a_scan_stops_short(aws):
    client = boto3.client("dynamodb", region_name=REGION)
    for item_id in ["beer", "cola", "fanta", "juice", "tea"]:
        DynamoDbProjection("test-reservations-items", client).put(ItemView(ItemState(item_id)), None)
    short = ShortScans(client)
    projection = DynamoDbProjection("test-reservations-items", short)

    first = projection.list_page(None, 3)
    assert short.scans == 1 + 3  # the throttled one, then a Scan an item
    rest = projection.list_page(first.next, 3)

    assert (len(first.views), first.next) == (3, first.views[-1].state.item_id)
    assert (len(rest.views), rest.next) == (2, None)
    listed = [view.state.item_id for view in (*first.views, *rest.views)]
    assert sorted(listed) == ["beer", "cola", "fanta", "juice", "tea"]


def purge_at(client: Any, key: str) -> datetime:
    item = client.get_item(TableName=REQUESTS, Key={"pk": {"S": key}}, ConsistentRead=True)["Item"]
    return datetime.fromtimestamp(int(item["purge_at"]["N"]), UTC)


def test_a_refused_reservation_is_kept_a_day_and_every_other_request_record_30_days(aws):
    client = boto3.client("dynamodb", region_name=REGION)
    requests = DynamoDbRequests(REQUESTS, client)
    store = DynamoDbEventStore("test-reservations-events", REQUESTS, "test-reservations-gates", client)
    adjusted = Adjusted(item_id="cola", version=1, at=T0, adjustment_id="a1", delta=5, reason="batch")
    assert store.append(adjusted, claim=Claim(AdjustmentRecord("a1", "cola", 5, "batch", "adjusted", 1))) == Appended(1)
    expires = T0 + timedelta(seconds=60)
    for version, rid in [(2, "held"), (3, "released")]:
        event = Reserved(item_id="cola", version=version, at=T0, reservation_id=rid, quantity=1, expires_at=expires)
        record = ReservationRecord(
            rid, "cola", 1, 60, ReservationStatus.HELD, created_at=T0, expires_at=expires, version=version
        )
        assert store.append(event, claim=Claim(record)) == Appended(version)
    released = Released(item_id="cola", version=4, at=T0, reservation_id="released", quantity=1, reason="early")
    assert store.append(released, settle=Settle("released", ReservationStatus.RELEASED)) == Appended(4)
    refused = ReservationRecord("refused", "cola", 9, 60, ReservationStatus.REFUSED, created_at=T0, available=4)
    assert requests.record_refusal(refused) is True
    requests.note_confirm_refusal("refused", "refused")  # a confirm of it later keeps its day

    assert purge_at(client, "RESERVATION#refused") == T0 + timedelta(hours=24)
    assert {key: purge_at(client, key) for key in ["RESERVATION#held", "RESERVATION#released", "ADJUSTMENT#a1"]} == {
        "RESERVATION#held": T0 + timedelta(days=30),
        "RESERVATION#released": T0 + timedelta(days=30),
        "ADJUSTMENT#a1": T0 + timedelta(days=30),
    }
    assert requests.reservation("refused").status is ReservationStatus.REFUSED
