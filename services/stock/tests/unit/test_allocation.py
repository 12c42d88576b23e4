"""Usage is taken oldest best-before first from batches still usable, and a usage is taken whole or refused whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pizza_stock.domain import (
    Batch,
    Ingredient,
    Level,
    OutOfStock,
    Shortfall,
    UsagePlan,
    UseIngredients,
    allocate_oldest_first,
    plan_usage,
)
from pizza_stock.http import UsageRequest

START = datetime(2027, 1, 1, tzinfo=UTC)


def batch(batch_id: str, remaining: int, days: int, type_id: str = "ham") -> Batch:
    return Batch(type_id, batch_id, remaining=remaining, removed_at=START + timedelta(days=days))


batches = st.lists(
    st.builds(
        batch,
        batch_id=st.uuids().map(str),
        remaining=st.integers(0, 50),
        days=st.integers(0, 30),
    ),
    max_size=12,
    unique_by=lambda b: b.batch_id,
)


def test_prefers_batches_that_expire_sooner():
    later, sooner = batch("later", 10, days=5), batch("sooner", 10, days=1)
    takes = allocate_oldest_first("ham", 4, [later, sooner])
    assert [(take.batch.batch_id, take.quantity) for take in takes] == [("sooner", 4)]


def test_drains_the_oldest_batch_before_touching_the_next():
    takes = allocate_oldest_first("ham", 13, [batch("b", 10, days=2), batch("a", 5, days=1)])
    assert [(take.batch.batch_id, take.quantity, take.drains) for take in takes] == [("a", 5, True), ("b", 8, False)]


def test_refuses_with_what_is_available_when_the_batches_hold_too_little():
    assert allocate_oldest_first("ham", 16, [batch("a", 5, 1), batch("b", 10, 2)]) == Shortfall("ham", 16, 15)


@given(batches, st.integers(1, 400))
def test_allocation_takes_exactly_what_was_asked_oldest_first_or_reports_the_shortfall(stock, requested):
    total = sum(b.remaining for b in stock)
    result = allocate_oldest_first("ham", requested, stock)
    if total < requested:
        assert result == Shortfall("ham", requested, total)
        return
    assert isinstance(result, list)
    assert sum(take.quantity for take in result) == requested
    assert all(0 < take.quantity <= take.batch.remaining for take in result)
    in_order = sorted((b for b in stock if b.remaining > 0), key=lambda b: b.fefo_order)
    taken = [take.batch for take in result]
    assert taken == in_order[: len(taken)], "takes are a prefix of the batches, best-before first"
    assert all(take.drains for take in result[:-1]), "every batch but the last one taken is emptied"


def request(*items: tuple[str, int], transaction_id: str = "t-1") -> UseIngredients:
    return UsageRequest.model_validate(
        {"transactionId": transaction_id, "items": [{"typeId": t, "quantity": q} for t, q in items]}
    ).command()


def stock(**batches: list[Batch]) -> dict[str, Ingredient]:
    return {type_id: Ingredient(type_id, 3, tuple(held)) for type_id, held in batches.items()}


BEFORE = START - timedelta(days=1)


def test_a_plan_refuses_every_short_item_at_once():
    refused = plan_usage(
        request(("ham", 6), ("basil", 1), ("olive", 1)),
        stock(ham=[batch("a", 5, 1)], basil=[batch("b", 1, 1, "basil")]),
        BEFORE,
    )
    assert refused == OutOfStock("t-1", (Shortfall("ham", 6, 5), Shortfall("olive", 1, 0)))


def test_a_plan_says_what_each_ingredient_holds_after_it_at_the_next_version():
    plan = plan_usage(request(("ham", 6)), stock(ham=[batch("a", 5, 1), batch("b", 5, 2)]), BEFORE)
    assert isinstance(plan, UsagePlan)
    assert plan.outcome.levels == (Level("ham", 4, 4),)
    assert [(take.batch.batch_id, take.quantity, take.drains) for take in plan.changes[0].takes] == [
        ("a", 5, True),
        ("b", 1, False),
    ]


def test_a_batch_past_its_best_before_is_never_sold_nor_counted_though_still_held():
    held = stock(ham=[batch("old", 10, 1), batch("new", 3, 5)])
    after_the_first = START + timedelta(days=1)
    assert held["ham"].level(after_the_first) == Level("ham", 3, 3)
    assert plan_usage(request(("ham", 4)), held, after_the_first) == OutOfStock("t-1", (Shortfall("ham", 4, 3),))
    plan = plan_usage(request(("ham", 3)), held, after_the_first)
    assert isinstance(plan, UsagePlan)
    assert [take.batch.batch_id for take in plan.changes[0].takes] == ["new"]


def test_a_batch_is_usable_until_the_instant_of_its_best_before():
    held = stock(ham=[batch("a", 2, 1)])
    assert held["ham"].level(START + timedelta(days=1, microseconds=-1)).quantity == 2
    assert held["ham"].level(START + timedelta(days=1)).quantity == 0


def test_a_usage_of_hundreds_of_batches_is_one_plan_no_transaction_limit_in_the_domain():
    plan = plan_usage(request(("ham", 150)), stock(ham=[batch(f"b{i}", 1, 1 + i) for i in range(200)]), BEFORE)
    assert isinstance(plan, UsagePlan)
    assert len(plan.changes[0].takes) == 150


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": [{"typeId": "ham", "quantity": 1}]}, "transactionId"),
        ({"transactionId": "t 1", "items": [{"typeId": "ham", "quantity": 1}]}, "transactionId"),
        ({"transactionId": "t", "items": []}, "items"),
        ({"transactionId": "t", "items": [{"typeId": "ham", "quantity": 0}]}, "items.0.quantity"),
        ({"transactionId": "t", "items": [{"typeId": "ham"}]}, "items.0.quantity"),
        ({"transactionId": "t", "items": [{"typeId": "ham", "quantity": 1.5}]}, "items.0.quantity"),
        ({"transactionId": "t", "items": [{"typeId": "ham", "quantity": "2"}]}, "items.0.quantity"),
        ({"transactionId": "t", "items": [{"typeId": "ham", "quantity": True}]}, "items.0.quantity"),
        ({"transactionId": "t", "items": [{"typeId": "ham", "quantity": 10**40}]}, "items.0.quantity"),
        ({"transactionId": "t", "items": [{"typeId": "Ham", "quantity": 1}]}, "items.0.typeId"),
        ({"transactionId": "t", "items": [{"typeId": "ham", "quantity": q} for q in (1, 2)]}, "items"),
        ({"transactionId": "t", "items": [{"typeId": "ham", "quantity": 1}], "extra": 1}, "extra"),
    ],
)
def test_an_invalid_usage_names_the_wrong_field_and_only_it(body, field):
    with pytest.raises(ValidationError) as invalid:
        UsageRequest.model_validate(body)
    assert [".".join(str(part) for part in error["loc"]) for error in invalid.value.errors()] == [field]


def test_the_same_items_in_another_order_have_the_same_fingerprint():
    assert request(("ham", 1), ("basil", 2)).fingerprint() == request(("basil", 2), ("ham", 1)).fingerprint()
    assert request(("ham", 1)).fingerprint() != request(("ham", 2)).fingerprint()


def test_a_batches_update_stays_under_4_kb_however_many_batches_change():
    from datetime import UTC, datetime

    from pizza_stock.adapters.items import MOST_BATCH_CLAUSES, batches_update
    from pizza_stock.domain import Batch, Ingredient

    when = datetime(2031, 1, 1, tzinfo=UTC)
    batches = tuple(Batch("anise", f"delivery-{n:04d}-a-long-batch-id", 1, when) for n in range(2000))
    ingredient = Ingredient("anise", 7, batches)
    for kept in (2000 - MOST_BATCH_CLAUSES, 2000 - MOST_BATCH_CLAUSES - 1, 0):
        update = batches_update("stock", ingredient, batches[:kept])
        assert len(update.expression) < 4096 and update.condition == "#version = :read"
        assert update.values[":read"] == 7 and update.values[":next"] == 8
    assert ":batches" in batches_update("stock", ingredient, batches[:1]).values, "the whole map, past the clauses"
    few = batches_update("stock", ingredient, batches[:-1])
    assert few.expression == "SET #version = :next REMOVE #batches.#b0" and few.names == {"#b0": batches[-1].batch_id}
