from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pizza_oven.domain.commands import InvalidPizza, parse_order
from pizza_oven.domain.model import (
    Load,
    Pizza,
    PizzaRecord,
    PizzaState,
    Route,
    Then,
    when_already_known,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
GRACE = timedelta(seconds=90)


def test_a_pizza_message_gives_its_id_and_baking_time():
    assert parse_order('{"id": "margherita-1", "bakingTimeSecs": 30}', 10) == Pizza("margherita-1", 30)


def test_a_pizza_without_a_baking_time_takes_the_default():
    assert parse_order('{"id": "margherita-1"}', 12) == Pizza("margherita-1", 12)


def test_fields_the_oven_does_not_use_are_ignored():
    assert parse_order('{"id": "p1", "bakingTimeSecs": 5, "orderId": "o-9"}', 10) == Pizza("p1", 5)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "body: Invalid JSON"),
        ("[1, 2]", "Input should be an object"),
        ('{"bakingTimeSecs": 5}', "id: Field required"),
        ('{"id": 42}', "id: Input should be a valid string"),
        ('{"id": ""}', "id: String should match pattern"),
        ('{"id": "has space"}', "id: String should match pattern"),
        ('{"id": "a/b"}', "id: String should match pattern"),
        ('{"id": "' + "x" * 81 + '"}', "id: String should match pattern"),
        ('{"id": "p1", "bakingTimeSecs": 0}', "bakingTimeSecs: Input should be greater than or equal to 1"),
        ('{"id": "p1", "bakingTimeSecs": 3601}', "bakingTimeSecs: Input should be less than or equal to 3600"),
        ('{"id": "p1", "bakingTimeSecs": "5"}', "bakingTimeSecs: Input should be a valid integer"),
        ('{"id": "p1", "bakingTimeSecs": 2.5}', "bakingTimeSecs: Input should be a valid integer"),
        ('{"id": "p1", "bakingTimeSecs": true}', "bakingTimeSecs: Input should be a valid integer"),
        ('{"id": "p-dup1", "id": "p-dup2"}', "body: holds the name 'id' twice in one object"),
        ('{"id": "p1", "bakingTimeSecs": NaN}', "body: holds NaN, which is not a JSON number"),
        ("[" * 10_000 + "]" * 10_000, "body:"),
    ],
)
def test_a_message_that_can_never_be_baked_is_refused_with_the_field_named(body, reason):
    with pytest.raises(InvalidPizza) as refused:
        parse_order(body, 10)
    assert reason in str(refused.value)


def test_an_arrival_may_take_a_slot_only_when_one_is_free_and_nobody_waits():
    assert Load(capacity=2, in_use=1).admits_arrivals
    assert not Load(capacity=2, in_use=2).admits_arrivals
    assert not Load(capacity=2, in_use=0, waiting=1).admits_arrivals


def test_free_slots_never_go_below_zero_when_capacity_was_lowered():
    assert Load(capacity=2, in_use=5).free_slots == 0


def _record(state: PizzaState, **changes) -> PizzaRecord:
    return PizzaRecord("p1", state, 5, route=Route.DIRECT, **changes)


def test_a_repeat_of_a_waiting_pizza_makes_sure_it_is_in_the_line():
    assert when_already_known(_record(PizzaState.WAITING), now=NOW, start_grace=GRACE) is Then.REJOIN_LINE


def test_a_repeat_of_a_started_or_baked_pizza_is_dropped():
    started = _record(PizzaState.BAKING, allocated_at=NOW, started_at=NOW)
    assert when_already_known(started, now=NOW, start_grace=GRACE) is Then.DROP
    assert when_already_known(_record(PizzaState.BAKED), now=NOW, start_grace=GRACE) is Then.DROP
    assert when_already_known(None, now=NOW, start_grace=GRACE) is Then.DROP


def test_a_repeat_waits_while_the_first_delivery_may_still_be_starting_the_pizza():
    unstarted = _record(PizzaState.BAKING, allocated_at=NOW - timedelta(seconds=5))
    assert when_already_known(unstarted, now=NOW, start_grace=GRACE) is Then.RETRY_LATER


def test_a_repeat_takes_over_a_start_that_must_have_crashed():
    unstarted = _record(PizzaState.BAKING, allocated_at=NOW - GRACE)
    assert when_already_known(unstarted, now=NOW, start_grace=GRACE) is Then.START


def test_a_line_entry_takes_over_an_unstarted_pizza_at_once_as_only_one_baker_runs():
    unstarted = _record(PizzaState.BAKING, allocated_at=NOW)
    assert when_already_known(unstarted, now=NOW, start_grace=GRACE, from_line=True) is Then.START
