"""Each in-memory fake of ``tests/fakes.py`` held to the adapter it stands for (moto in process), so the use-case
tests on the fakes say something about the service on AWS."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeDeliveryLog, FakeExpiryShelf, FakePantry, Shelves
from stock_helpers import TABLE

from pizza_stock.domain import (
    Delivery,
    DeliveryReport,
    Level,
    OutOfStock,
    Row,
    Shortfall,
    StockUsed,
    UsageItem,
    UsagePlan,
    UseIngredients,
    plan_usage,
)
from pizza_stock.ports import AlreadyRecorded, Committed, Delivered, IngredientsChanged

NOW = datetime.now(UTC).replace(microsecond=0)
SOON = NOW + timedelta(days=3)


class World:
    """The three ports of one table, as fakes sharing their rows, or as the DynamoDB adapters on moto."""

    def __init__(self, kind: str) -> None:
        if kind == "fake":
            shelves = Shelves()
            self.pantry, self.log, self.shelf = FakePantry(shelves), FakeDeliveryLog(shelves), FakeExpiryShelf(shelves)
        else:
            from pizza_stock.adapters.delivery_log import DynamoDbDeliveryLog
            from pizza_stock.adapters.expiry_shelf import DynamoDbExpiryShelf
            from pizza_stock.adapters.pantry import DynamoDbPantry

            self.pantry, self.log, self.shelf = (
                DynamoDbPantry(TABLE),
                DynamoDbDeliveryLog(TABLE),
                DynamoDbExpiryShelf(TABLE),
            )

    def deliver(self, key: str, *rows: tuple[str, int, datetime], upload: str = "u1") -> Delivered:
        content = repr(rows).encode()
        delivered = Delivered(Delivery("bucket", key), "etag", None, len(content), hashlib.sha256(content).hexdigest())
        self.log.open(delivered, upload, NOW)
        parsed = [Row(line, t, q, when, when) for line, (t, q, when) in enumerate(rows, 1)]
        refused = list(self.log.add_rows(delivered, parsed))
        assert refused == []
        self.log.complete(delivered, DeliveryReport(delivered.delivery, delivered.checksum, "etag"))
        return delivered


@pytest.fixture(params=["fake", "dynamodb"])
def world(request: pytest.FixtureRequest) -> World:
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
    return World(request.param)


def use(transaction_id: str, **items: int) -> UseIngredients:
    return UseIngredients(transaction_id, tuple(UsageItem(t, q) for t, q in items.items()))


def plan(world: World, command: UseIngredients) -> UsagePlan:
    made = plan_usage(command, world.pantry.ingredients([i.type_id for i in command.items]), NOW)
    assert isinstance(made, UsagePlan)
    return made


def test_a_delivery_adds_batches_that_the_pantry_reads_back(world):
    world.deliver("a.csv", ("ham", 5, SOON), ("ham", 3, SOON + timedelta(days=1)), ("basil", 2, SOON))
    found = world.pantry.ingredients(["ham", "basil", "olive"])
    assert sorted(found) == ["basil", "ham"]
    assert found["ham"].level(NOW).quantity == 8
    assert sorted(b.remaining for b in found["ham"].batches) == [3, 5]
    assert sorted(i.type_id for i in world.pantry.all_ingredients()) == ["basil", "ham"]


def test_a_delivery_run_again_adds_nothing(world):
    delivered = world.deliver("a.csv", ("ham", 5, SOON))
    again = world.log.open(delivered, "u1", NOW)
    assert (again.completed, again.new_upload, again.progress) == (True, False, 1)
    assert list(world.log.add_rows(delivered, [Row(1, "ham", 5, SOON, SOON)])) == []
    assert world.pantry.ingredients(["ham"])["ham"].level(NOW).quantity == 5


def test_other_content_under_the_key_comes_back_with_the_first_checksum(world):
    first = world.deliver("a.csv", ("ham", 5, SOON))
    other = Delivered(first.delivery, "etag-2", None, 3, "0" * 64)
    state = world.log.open(other, "u2", NOW)
    assert state.checksum == first.checksum


def test_a_usage_commits_once_and_its_answer_is_recorded(world):
    world.deliver("a.csv", ("ham", 5, SOON), ("ham", 5, SOON + timedelta(days=1)))
    made = plan(world, use("t1", ham=7))
    assert world.pantry.commit_usage(made, "f1", NOW) == Committed()
    assert world.pantry.commit_usage(made, "f1", NOW) == AlreadyRecorded()
    recorded = world.pantry.recorded_answer("t1")
    assert recorded is not None and recorded.fingerprint == "f1"
    assert recorded.answer == StockUsed(
        "t1", (UsageItem("ham", 7),), (Level("ham", 3, made.changes[0].level_after.version),)
    )
    ham = world.pantry.ingredients(["ham"])["ham"]
    assert [b.remaining for b in ham.batches] == [3], "the drained batch left, the other kept what is left"
    assert ham.level(NOW) == made.outcome.levels[0]


def test_a_usage_planned_on_a_version_that_moved_changes_nothing(world):
    world.deliver("a.csv", ("ham", 5, SOON))
    stale = plan(world, use("t1", ham=2))
    assert world.pantry.commit_usage(plan(world, use("t2", ham=1)), "f2", NOW) == Committed()
    changed = world.pantry.commit_usage(stale, "f1", NOW)
    assert isinstance(changed, IngredientsChanged)
    assert changed.current["ham"] == world.pantry.ingredients(["ham"])["ham"], "it says how the ingredient is now"
    assert world.pantry.recorded_answer("t1") is None
    assert world.pantry.ingredients(["ham"])["ham"].level(NOW).quantity == 4


def test_a_refusal_is_recorded_once(world):
    refusal = OutOfStock("t1", (Shortfall("ham", 3, 0),))
    assert world.pantry.record_refusal(refusal, "f1", NOW) == Committed()
    assert world.pantry.record_refusal(refusal, "f1", NOW) == AlreadyRecorded()
    recorded = world.pantry.recorded_answer("t1")
    assert recorded is not None and recorded.answer == refusal


def test_expired_batches_are_found_and_removed_once_each(world):
    world.deliver("a.csv", ("ham", 5, NOW + timedelta(seconds=1)), ("ham", 3, SOON), ("basil", 1, SOON))
    later = NOW + timedelta(seconds=2)
    [holding] = world.shelf.ingredients_holding_expired(later)
    assert holding.type_id == "ham"
    [expired] = holding.expired(later)
    removed = world.shelf.remove("ham", [expired.batch_id])
    assert [(b.batch_id, b.remaining) for b in removed] == [(expired.batch_id, 5)]
    assert world.shelf.remove("ham", [expired.batch_id]) == []
    assert world.shelf.remove("olive", ["x"]) == []
    assert world.shelf.ingredients_holding_expired(later) == []
    assert world.pantry.ingredients(["ham"])["ham"].level(later).quantity == 3


def test_an_ingredient_holds_at_most_its_batches_limit_and_refuses_the_rows_beyond(world, monkeypatch):
    import fakes

    from pizza_stock.adapters import delivery_log

    monkeypatch.setattr(delivery_log, "MAX_BATCHES_PER_INGREDIENT", 3)
    monkeypatch.setattr(fakes, "MAX_BATCHES_PER_INGREDIENT", 3)
    content = b"x"
    delivered = Delivered(Delivery("bucket", "big.csv"), "etag", None, 1, hashlib.sha256(content).hexdigest())
    world.log.open(delivered, "u1", NOW)
    rows = [Row(n, "ham", 1, SOON, SOON) for n in range(1, 5)] + [Row(5, "basil", 1, SOON, SOON)]
    refused = list(world.log.add_rows(delivered, rows))
    assert [(row.line, "3 batches" in reason) for row, reason in refused] == [(4, True)]
    found = world.pantry.ingredients(["ham", "basil"])
    assert (len(found["ham"].batches), found["basil"].level(NOW).quantity) == (3, 1)


def test_a_usage_that_drains_hundreds_of_batches_and_a_sweep_of_hundreds_stay_within_dynamodbs_expression_limit(world):
    # DynamoDB refuses an update expression over 4 KB (a clause a batch: about 250 batches). moto does not check
    # it (the length is asserted in test_allocation, and DynamoDB Local checks it in the integration suite): here,
    # that the whole map written in one go leaves the same ingredient.
    world.deliver("many.csv", *[("anise", 1, SOON) for _ in range(300)], ("anise", 5, SOON + timedelta(days=1)))
    world.deliver("gone.csv", *[("zest", 1, NOW + timedelta(seconds=1)) for _ in range(300)], ("zest", 4, SOON))
    made = plan(world, use("t-big", anise=302))
    assert world.pantry.commit_usage(made, "f-big", NOW) == Committed()
    anise = world.pantry.ingredients(["anise"])["anise"]
    assert [(b.remaining, b.removed_at) for b in anise.batches] == [(3, SOON + timedelta(days=1))]

    later = NOW + timedelta(seconds=2)
    [zest] = world.shelf.ingredients_holding_expired(later)
    removed = world.shelf.remove("zest", [batch.batch_id for batch in zest.expired(later)])
    assert len(removed) == 300
    assert world.pantry.ingredients(["zest"])["zest"].level(later).quantity == 4
    assert world.shelf.ingredients_holding_expired(later) == []
