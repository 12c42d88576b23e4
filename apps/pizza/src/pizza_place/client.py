"""The pizza place's two services, as a customer of theirs sees them: through their outputs only.

- stock: through ``pizza_stock.client`` (the deliveries bucket, the HTTP API, the levels stream);
- oven: the NewItems queue in, the BakedItems queue out, and its table's load item for the dashboard;
- orders and reservations: their own clients (``pizza_reservations.orders.client``, ``pizza_reservations.client``).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from pizza_common.signed_http import HttpAnswer, SignedHttp
from pizza_oven.client import OvenClient as OvenDoors
from pizza_oven.client import OvenOutputs
from pizza_place.errors import USAGE, CliError
from pizza_place.target import Target
from pizza_stock.client import StockClient as StockDoors
from pizza_stock.client import StockOutputs

__all__ = ["Answer", "OvenClient", "OvenLoad", "StockClient", "orders_client", "reservations_client"]


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status and JSON body."""

    status: int
    body: Any


class StockClient:
    """The stock service's own client (:mod:`pizza_stock.client`), its answers turned into the command's errors."""

    def __init__(self, target: Target) -> None:
        self.target = target
        names = ("api_url", "deliveries_bucket", "stock_levels_stream")
        self.doors = StockDoors(
            StockOutputs.of_service({name: target.output(name) for name in names}),
            api=SignedHttp(
                target.output("api_url"), region=target.region, credentials=target.credentials(), timeout=20
            ),
            s3=target.client("s3"),
            kinesis=target.client("kinesis"),
        )

    @property
    def bucket(self) -> str:
        """The deliveries bucket suppliers drop their CSV files into."""
        return self.doors.outputs.deliveries_bucket

    @property
    def stream(self) -> str:
        """The Kinesis stream of stock levels (the dashboard reads it)."""
        return self.doors.outputs.stock_levels_stream

    # --- deliveries -------------------------------------------------------------------------------------

    def deliver(self, key: str, csv: bytes, timeout: float = 60.0) -> dict[str, Any]:
        """Upload a delivery and wait for what the stock service made of this upload: its report
        (``reports/<key>.json``), or a conflict (``reports/<key>.conflict.json``, other content was delivered under
        the key first). A report already there from an earlier upload is not taken for this one's: the report of
        this content must count one more upload than before."""
        sha256 = hashlib.sha256(csv).hexdigest()
        before = self.doors.report(key)
        uploads_before = before["uploads"] if before is not None and before.get("sha256") == sha256 else 0
        self.doors.deliver(key, csv)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            report = self.doors.report(key)
            if report is not None and report.get("sha256") == sha256 and report.get("uploads", 1) > uploads_before:
                return report
            conflict = self.doors.conflict(key)
            if conflict is not None and conflict.get("sha256") == sha256:
                return conflict
            time.sleep(0.1)
        raise CliError(
            f"no report for this upload of {key} after {timeout:.0f} s: is the stock service's ingest running?"
        )

    # --- the HTTP API -----------------------------------------------------------------------------------

    def levels(self) -> dict[str, int]:
        answer = _answer(self.doors.levels())
        if answer.status != 200:
            raise CliError(f"GET /stock answered {answer.status}: {_message(answer.body)}")
        return _levels_of(answer.body)

    def level(self, type_id: str) -> int | None:
        """One ingredient's level; None when the stock has never held it (404)."""
        answer = _answer(self.doors.level(type_id))
        if answer.status == 404:
            return None
        if answer.status == 400:
            raise CliError(_message(answer.body), USAGE)
        if answer.status != 200:
            raise CliError(f"GET /stock/{type_id} answered {answer.status}: {_message(answer.body)}")
        return int(answer.body["quantity"])

    def use(self, transaction_id: str, items: dict[str, int], *, retries: int = 5) -> Answer:
        """``POST /transactions``; a 503 (time ran out under contention, nothing taken) is retried with the same id."""
        for attempt in range(retries + 1):
            answer = _answer(self.doors.use(transaction_id, items))
            if answer.status != 503 or attempt == retries:
                return answer
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        raise AssertionError("unreachable")


def _answer(answer: HttpAnswer) -> Answer:
    try:
        return Answer(answer.status, answer.json())
    except ValueError:
        return Answer(answer.status, answer.body.decode(errors="replace"))


@dataclass(frozen=True)
class OvenLoad:
    capacity: int
    in_use: int
    waiting: int


class OvenClient:
    """The oven's doors as the oven service's own command drives them (``pizza_oven.client``), plus queue depths."""

    def __init__(self, target: Target) -> None:
        self.target = target
        names = ("new_items_queue_url", "baked_items_queue_url", "oven_table", "bake_state_machine_arn")
        self.outputs = OvenOutputs.of_service(
            {name: target.output(name) for name in names}, target.endpoint, target.region
        )
        self.waiting_items = target.output("waiting_items_queue_url")
        self.doors = OvenDoors(self.outputs, session=target.session())

    def send(self, pizza_id: str, baking_time_secs: int) -> None:
        self.doors.send([{"id": pizza_id, "bakingTimeSecs": baking_time_secs}])

    def collect_baked(self, wait_secs: int = 1) -> list[str]:
        """Take the pizzas waiting on BakedItems off the queue; their ids, in the order they came out."""
        return [str(pizza["id"]) for pizza in self.doors.receive_baked(wait_secs)]

    def load(self) -> OvenLoad:
        """The oven's own account of its load (its capacity item and its load item)."""
        load = self.doors.load()
        if not load["capacity"]:
            raise CliError(f"the oven table {self.outputs.oven_table} has no capacity: the oven was not deployed right")
        return OvenLoad(capacity=load["capacity"], in_use=load["in_use"], waiting=load["waiting"])

    def queue_depths(self) -> dict[str, int]:
        """Messages on each queue (visible plus in flight): new, waiting, baked."""
        sqs = self.doors.sqs
        queues = {
            "new": self.outputs.new_items_queue_url,
            "waiting": self.waiting_items,
            "baked": self.outputs.baked_items_queue_url,
        }
        depths = {}
        for name, url in queues.items():
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            depths[name] = int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
        return depths


def _levels_of(body: Any) -> dict[str, int]:
    """``GET /stock``'s ``{"items": [{"typeId", "quantity", "version"}]}`` as {typeId: quantity}."""
    return {str(e["typeId"]): int(e["quantity"]) for e in sorted(body["items"], key=lambda e: e["typeId"])}


def _message(body: Any) -> str:
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return json.dumps(body)[:200]


def orders_client(target: Target) -> Any:
    """The order workflows' own client (``pizza_reservations.orders.client.OrdersClient``), signed for the target."""
    from pizza_reservations.orders.client import OrdersClient

    http = SignedHttp(target.output("orders_api_url"), target.region, target.credentials(), timeout=30)
    return OrdersClient(http, target.output("event_bus_name"), target.region, events=target.client("events"))


def reservations_client(target: Target) -> Any:
    """The reservations service's own client (``pizza_reservations.client.ReservationsClient``)."""
    from pizza_reservations.client import ReservationsClient

    return ReservationsClient(SignedHttp(target.output("reservations_api_url"), target.region, target.credentials()))
