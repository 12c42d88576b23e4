"""Every partial answer and throttling path of the stock adapters: what AWS does under load, on moto in process
through a client that answers in part, throttles, or conflicts before letting a call through."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from stock_helpers import TABLE

from pizza_common.deadline import Deadline, within
from pizza_stock.adapters.delivery_log import DynamoDbDeliveryLog
from pizza_stock.adapters.expiry_shelf import DynamoDbExpiryShelf
from pizza_stock.adapters.pantry import DynamoDbPantry
from pizza_stock.domain import Delivery, DeliveryReport, Row, UsageItem, UsagePlan, UseIngredients, plan_usage
from pizza_stock.ports import Committed, Delivered

NOW = datetime.now(UTC)
SOON = NOW + timedelta(days=3)


class Harsh:
    """A DynamoDB client that fails the first ``times`` calls of each named operation as AWS can, then passes."""

    def __init__(self, client: Any, failures: dict[str, str], times: int = 2) -> None:
        self.client, self.failures, self.left = client, failures, {name: times for name in failures}
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.client, name)
        if name not in self.failures:
            return real

        def call(**kwargs: Any) -> Any:
            self.calls.append(name)
            if self.left[name] <= 0:
                return real(**kwargs)
            self.left[name] -= 1
            kind = self.failures[name]
            if kind == "unprocessed":  # DynamoDB did none of the batch: all of it comes back
                return {"Responses": {}, "UnprocessedKeys": kwargs["RequestItems"]}
            if kind == "conflict":
                reasons = [{"Code": "TransactionConflict"} for _ in kwargs["TransactItems"]]
                error = {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons}
                raise ClientError(error, "TransactWriteItems")
            raise ClientError({"Error": {"Code": kind, "Message": "slow down"}}, name)

        return call


@pytest.fixture
def patient():
    with within(Deadline.after(10, sleep=lambda seconds: None)):
        yield


def delivered(aws, *rows: tuple[str, int]) -> None:
    log = DynamoDbDeliveryLog(TABLE)
    found = Delivered(Delivery("b", "k.csv"), "e", None, 1, hashlib.sha256(repr(rows).encode()).hexdigest())
    log.open(found, "u", NOW)
    log.add_rows(found, [Row(n, t, q, SOON, SOON) for n, (t, q) in enumerate(rows, 1)])
    log.complete(found, DeliveryReport(found.delivery, found.checksum, "e"))


def test_unprocessed_keys_are_read_again_not_taken_for_never_delivered(aws, patient):
    delivered(aws, ("ham", 5), ("basil", 2))
    harsh = Harsh(aws.client("dynamodb"), {"batch_get_item": "unprocessed"})
    found = DynamoDbPantry(TABLE, harsh).ingredients(["ham", "basil"])
    assert {t: i.level(NOW).quantity for t, i in found.items()} == {"ham": 5, "basil": 2}
    assert harsh.calls == ["batch_get_item"] * 3


@pytest.mark.parametrize("failure", ["conflict", "ThrottlingException", "ProvisionedThroughputExceededException"])
def test_a_usage_met_by_conflicts_or_throttling_is_retried_within_the_deadline_and_commits_once(aws, patient, failure):
    delivered(aws, ("ham", 5))
    harsh = Harsh(aws.client("dynamodb"), {"transact_write_items": failure})
    pantry = DynamoDbPantry(TABLE, harsh)
    command = UseIngredients("t1", (UsageItem("ham", 2),))
    plan = plan_usage(command, pantry.ingredients(["ham"]), NOW)
    assert isinstance(plan, UsagePlan)
    assert pantry.commit_usage(plan, "f", NOW) == Committed()
    assert pantry.ingredients(["ham"])["ham"].level(NOW).quantity == 3


def test_throttled_reads_of_the_sweep_and_writes_of_ingest_are_retried(aws, patient):
    harsh = Harsh(aws.client("dynamodb"), {"put_item": "ThrottlingException", "query": "ThrottlingException"})
    log = DynamoDbDeliveryLog(TABLE, harsh)
    found = Delivered(Delivery("b", "t.csv"), "e", None, 1, "c" * 64)
    assert log.open(found, "u", NOW).progress == 0
    log.add_rows(found, [Row(1, "ham", 4, NOW + timedelta(seconds=1), NOW + timedelta(seconds=1))])
    assert list(log.refused_rows(found)) == []
    shelf = DynamoDbExpiryShelf(TABLE, harsh)
    [ham] = shelf.ingredients_holding_expired(NOW + timedelta(seconds=2))
    assert [b.remaining for b in shelf.remove("ham", [b.batch_id for b in ham.batches])] == [4]


def test_contention_past_the_deadline_comes_back_as_changed_not_as_an_error(aws):
    delivered(aws, ("ham", 5))
    harsh = Harsh(aws.client("dynamodb"), {"transact_write_items": "conflict"}, times=1000)
    pantry = DynamoDbPantry(TABLE, harsh)
    plan = plan_usage(UseIngredients("t1", (UsageItem("ham", 2),)), pantry.ingredients(["ham"]), NOW)
    assert isinstance(plan, UsagePlan)
    with within(Deadline.after(0.05)):
        outcome = pantry.commit_usage(plan, "f", NOW)
    assert type(outcome).__name__ == "IngredientsChanged"
    assert pantry.ingredients(["ham"])["ham"].level(NOW).quantity == 5
