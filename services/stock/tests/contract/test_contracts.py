"""Each in-memory fake of ``tests/fakes.py`` held to the adapter it stands for (moto in process), so the use-case
tests on the fakes say something about the service on AWS."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakes import FakeDeliveryLog, FakeExpiryShelf, FakeInbox, FakePantry, Shelves
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
from pizza_stock.ports import AlreadyRecorded, Committed, Delivered, DeliveryLog, IngredientsChanged
from pizza_stock.use_cases import ingest_delivery

NOW = datetime.now(UTC).replace(microsecond=0)
SOON = NOW + timedelta(days=3)


class World:
    """The three ports of one table, as fakes sharing their rows, or as the DynamoDB adapters on moto."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        if kind == "fake":
            self.shelves = shelves = Shelves()
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
        self.log.add_rows(delivered, parsed)
        assert list(self.log.refused_rows(delivered)) == []
        self.log.complete(delivered, DeliveryReport(delivered.delivery, delivered.checksum, "etag"))
        return delivered

    def log_that_dies_after_its_first_write(self) -> DeliveryLog:
        """The delivery log of an invocation that dies (a crash, a timeout) once its first write went through:
        the adapter after its first transaction (a write group), the fake after its first five rows."""
        if self.kind == "fake":
            return FakeDeliveryLog(self.shelves, fail_after_rows=5)
        from pizza_common import aws
        from pizza_stock.adapters.delivery_log import DynamoDbDeliveryLog

        return DynamoDbDeliveryLog(TABLE, DiesAfterTransactions(aws.client("dynamodb"), 1))


class DiesAfterTransactions:
    """A DynamoDB client whose function dies after ``commits`` transactions went through."""

    def __init__(self, client: Any, commits: int) -> None:
        self.client, self.left = client, commits

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.client, name)
        if name != "transact_write_items":
            return real

        def call(**kwargs: Any) -> Any:
            if self.left <= 0:
                raise ConnectionError("the function died mid-file")
            answer = real(**kwargs)
            self.left -= 1
            return answer

        return call


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
    again = world.log.open(delivered, "u1", NOW + timedelta(days=2))
    assert (again.completed, again.new_upload, again.progress) == (True, False, 1)
    assert again.first_seen_at == NOW, "the rows of a run opened again are judged as of the first run"
    world.log.add_rows(delivered, [Row(1, "ham", 5, SOON, SOON)])
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


def test_an_ingredient_holds_at_most_its_batches_limit_and_the_rows_beyond_are_kept_as_refused(world, monkeypatch):
    import fakes

    from pizza_stock.adapters import delivery_log

    monkeypatch.setattr(delivery_log, "MAX_BATCHES_PER_INGREDIENT", 3)
    monkeypatch.setattr(fakes, "MAX_BATCHES_PER_INGREDIENT", 3)
    content = b"x"
    delivered = Delivered(Delivery("bucket", "big.csv"), "etag", None, 1, hashlib.sha256(content).hexdigest())
    world.log.open(delivered, "u1", NOW)
    rows = [Row(n, "ham", n, SOON, SOON) for n in range(1, 5)] + [
        Row(5, "basil", 1, SOON, SOON),
        Row(6, "ham", 6, SOON, SOON),
    ]
    world.log.add_rows(delivered, rows)
    found = world.pantry.ingredients(["ham", "basil"])
    assert (len(found["ham"].batches), found["basil"].level(NOW).quantity) == (3, 1)
    refused = list(world.log.refused_rows(delivered))
    assert [(row.line, row.type_id, row.quantity) for row in refused] == [(4, "ham", 4), (6, "ham", 6)]
    assert all(row.reason.startswith("ham already holds 3 batches") for row in refused)
    assert world.log.open(delivered, "u1", NOW).progress == 6, "the progress moved past the refused last row"
    world.log.add_rows(delivered, rows)  # a run of the file again: nothing is refused twice
    assert list(world.log.refused_rows(delivered)) == refused


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


def test_a_delivery_resumed_after_a_crash_reports_the_rows_refused_before_it_as_a_run_never_stopped_would(
    world, monkeypatch
):
    import fakes

    from pizza_stock.adapters import delivery_log

    monkeypatch.setattr(delivery_log, "MAX_BATCHES_PER_INGREDIENT", 200)
    monkeypatch.setattr(fakes, "MAX_BATCHES_PER_INGREDIENT", 200)
    world.deliver("full.csv", *[("ham", 1, SOON) for _ in range(200)])
    # Ham has no room: its rows before the crash (lines 2 and 3, in the first write group) and after it (99)
    # are refused; basil's 97 rows span two write groups, so the crash falls between two groups.
    lines = [f"{'ham' if n in (2, 3, 99) else 'basil'},2,{SOON.isoformat()}" for n in range(1, 101)]
    content = "\n".join(lines).encode()
    inbox = FakeInbox()

    def deliver(key: str, log: DeliveryLog) -> None:
        ingest_delivery(Delivery("bucket", key), inbox.upload(key, content), None, "u1", NOW, log, inbox)

    deliver("steady.csv", world.log)
    with pytest.raises(ConnectionError):
        deliver("crashed.csv", world.log_that_dies_after_its_first_write())
    assert "crashed.csv" not in inbox.reports
    deliver("crashed.csv", world.log)  # S3 retries the notification: the run resumes past the progress

    steady, resumed = inbox.reports["steady.csv"], inbox.reports["crashed.csv"]
    assert (resumed.accepted, resumed.quantities) == (97, {"basil": 194})
    assert [(r.line, "ham already holds 200 batches" in r.reason) for r in resumed.rejected] == [
        (2, True),
        (3, True),
        (99, True),
    ]
    assert (resumed.accepted, resumed.quantities, resumed.rejected) == (
        steady.accepted,
        steady.quantities,
        steady.rejected,
    )
    found = world.pantry.ingredients(["ham", "basil"])
    assert (len(found["ham"].batches), found["basil"].level(NOW).quantity) == (200, 2 * 194)
