"""The intake handler reports partial batch failures: the original's starter looped over a batch of 10 with
none, so one failed start redelivered (and re-reserved) the whole batch, and had no DLQ."""

from __future__ import annotations

import json

from orders_fakes import FakeOrderBook, FakeWorkflows

from localcloud.testing import lambda_context
from pizza_reservations.orders import bootstrap
from pizza_reservations.orders.handlers import intake


class FlakyWorkflows(FakeWorkflows):
    def start_reserve_stock(self, order_id: str, document: str) -> None:
        if order_id == "o-3":
            raise RuntimeError("throttled")
        super().start_reserve_stock(order_id, document)


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, body: str, reason: str) -> None:
        self.sent.append((body, reason))


def record(n: int, detail: object) -> dict:
    body = json.dumps({"detail-type": "new-order-received", "source": "pizza.orders", "detail": detail})
    return {"messageId": f"m-{n}", "receiptHandle": f"r-{n}", "body": body, "attributes": {}, "eventSource": "aws:sqs"}


def test_one_failed_start_is_reported_alone_and_a_malformed_event_goes_to_the_dlq_with_its_reason(monkeypatch):
    workflows, dead_letters = FlakyWorkflows(), DeadLetters()
    monkeypatch.setattr(bootstrap, "intake", lambda: bootstrap.Intake(FakeOrderBook(), workflows, dead_letters))
    monkeypatch.setattr(intake, "intake", bootstrap.intake)
    good = [record(n, {"orderId": f"o-{n}", "items": [{"itemId": "cola", "quantity": 1}]}) for n in range(1, 6)]
    bad = record(9, {"orderId": "o-9", "items": [{"itemId": "cola", "quantity": 0}]})
    answer = intake.handler({"Records": [*good, bad]}, lambda_context(function_name="pizza-orders-intake"))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-3"}]}
    assert workflows.reserve_stock == ["o-1", "o-2", "o-4", "o-5"]
    [(body, reason)] = dead_letters.sent
    assert json.loads(body)["detail"]["orderId"] == "o-9" and "items.0.quantity" in reason


def test_another_order_under_a_known_id_goes_to_the_dlq_and_never_touches_the_first(monkeypatch):
    """The reviewer's k2: a second new-order-received for an order id with other items started a run that released
    the first order's holds and published a shortage. Now the first body is recorded before its workflow starts,
    and a second body under that id (in the same batch, or later) is dead-lettered with its reason."""
    book, workflows, dead_letters = FakeOrderBook(), FakeWorkflows(), DeadLetters()
    monkeypatch.setattr(intake, "intake", lambda: bootstrap.Intake(book, workflows, dead_letters))
    first = {"orderId": "k2", "items": [{"itemId": "margherita", "quantity": 1}]}
    same_again = {"orderId": "k2", "items": [{"itemId": "margherita", "quantity": 1}]}
    other = {"orderId": "k2", "items": [{"itemId": "margherita", "quantity": 2}, {"itemId": "cola", "quantity": 1}]}
    events = [record(1, first), record(2, other), record(3, same_again)]
    answer = intake.handler({"Records": events}, lambda_context(function_name="pizza-orders-intake"))
    assert answer == {"batchItemFailures": []}
    assert workflows.reserve_stock == ["k2", "k2"]  # the first body, and its duplicate (idempotent); not the other
    assert book.get("k2").lines == (("margherita", 1),)
    [(body, reason)] = dead_letters.sent
    assert json.loads(body)["detail"] == other
    assert reason.startswith("orderId: k2 is already the id of another order")
