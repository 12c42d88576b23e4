"""The domain: folding, availability at an instant, decisions, and the projection under any delivery order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pizza_reservations.domain.events import ItemEvent, event_from_json, event_to_json
from pizza_reservations.domain.model import (
    AdjustItem,
    ItemState,
    ItemView,
    NotEnough,
    Reserve,
    decide_adjust,
    decide_confirm,
    decide_expiry,
    decide_release,
    decide_reserve,
    fold,
    project,
    voided_at,
)

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def reserve(rid: str, quantity: int, hold: int = 60, item: str = "cola") -> Reserve:
    return Reserve(reservation_id=rid, item_id=item, quantity=quantity, hold_seconds=hold)


def adjust(aid: str, delta: int, item: str = "cola") -> AdjustItem:
    return AdjustItem(adjustment_id=aid, item_id=item, delta=delta, reason="delivery")


def stocked(units: int) -> ItemState:
    return ItemState("cola").apply(decide_adjust(ItemState("cola"), adjust("a0", units), T0))


def test_a_reservation_holds_units_until_its_expiry_and_not_an_instant_longer():
    state = stocked(5)
    held = state.apply(decide_reserve(state, reserve("r1", 5, hold=3), T0))
    assert held.available(T0 + timedelta(seconds=2.999)) == 0
    assert held.available(T0 + timedelta(seconds=3)) == 5  # expired at 3 s, released or not
    assert isinstance(decide_reserve(held, reserve("r2", 1), T0 + timedelta(seconds=1)), NotEnough)
    assert not isinstance(decide_reserve(held, reserve("r2", 5), T0 + timedelta(seconds=3)), NotEnough)


def test_not_enough_says_what_is_available():
    state = stocked(3)
    assert decide_reserve(state, reserve("r1", 4), T0) == NotEnough(3)


def test_confirming_a_live_hold_sells_it_and_an_expired_one_releases_it():
    state = stocked(4)
    state = state.apply(decide_reserve(state, reserve("r1", 3, hold=10), T0))
    sold = state.apply(decide_confirm(state, "r1", T0 + timedelta(seconds=5)))
    assert (sold.sold, sold.holds, sold.available(T0)) == (3, (), 1)
    late = decide_confirm(state, "r1", T0 + timedelta(seconds=10))
    assert late.type == "Released" and late.reason == "expired"


def test_a_release_of_what_is_not_held_changes_nothing():
    state = stocked(4)
    assert type(decide_release(state, "nobody", T0)).__name__ == "NotHeld"


def test_an_adjustment_below_what_is_sold_or_held_is_refused_with_its_reason():
    state = stocked(10)
    state = state.apply(decide_reserve(state, reserve("r1", 6), T0))
    refused = decide_adjust(state, adjust("a1", -5), T0)
    assert refused.type == "AdjustmentRefused"
    assert "leave 5 units for 0 sold and 6 held" in refused.refusal
    assert decide_adjust(state, adjust("a2", -4), T0).type == "Adjusted"
    # once the hold expires, its units no longer stand in the way
    assert decide_adjust(state, adjust("a1", -5), T0 + timedelta(seconds=61)).type == "Adjusted"


def test_the_expiry_releases_each_expired_hold_at_consecutive_versions():
    state = stocked(10)
    for rid, hold in (("r1", 1), ("r2", 100), ("r3", 2)):
        state = state.apply(decide_reserve(state, reserve(rid, 1, hold=hold), T0))
    released = decide_expiry(state, T0 + timedelta(seconds=2))
    assert [(e.reservation_id, e.version) for e in released] == [("r1", 5), ("r3", 6)]
    assert fold(released, state).available(T0) == 9


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"itemId": "cola", "quantity": 1, "holdSeconds": 5}, "reservationId"),
        ({"reservationId": "r", "itemId": "Cola!", "quantity": 1, "holdSeconds": 5}, "itemId"),
        ({"reservationId": "r", "itemId": "cola", "quantity": 0, "holdSeconds": 5}, "quantity"),
        ({"reservationId": "r", "itemId": "cola", "quantity": "2", "holdSeconds": 5}, "quantity"),
        ({"reservationId": "r", "itemId": "cola", "quantity": 1, "holdSeconds": 0}, "holdSeconds"),
        ({"reservationId": "r", "itemId": "cola", "quantity": 1, "holdSeconds": 5, "x": 1}, "x"),
    ],
)
def test_a_bad_reservation_names_its_field(body, field):
    with pytest.raises(ValidationError) as caught:
        Reserve.model_validate(body)
    assert field in str(caught.value)


def test_an_adjustment_of_zero_is_refused_at_the_door():
    with pytest.raises(ValidationError, match="delta"):
        AdjustItem.model_validate({"itemId": "cola", "adjustmentId": "a", "delta": 0, "reason": "x"})


# --- properties -------------------------------------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> list[ItemEvent]:
    """A valid history of one item: adjustments, reservations, releases, confirmations, in any mix."""
    state, events, now = ItemState("cola"), [], T0
    for step in range(draw(st.integers(0, 40))):
        now += timedelta(seconds=draw(st.integers(0, 5)))
        action = draw(st.sampled_from(["adjust", "reserve", "release", "confirm", "void"]))
        if action == "void":  # a version taken from the gate and never written: sealed, it folds as nothing
            event = voided_at("cola", state.version + 1, now, "abandoned")
        elif action == "adjust":
            event = decide_adjust(state, adjust(f"a{step}", draw(st.integers(-20, 30)) or 1), now)
        elif action == "reserve":
            decision = decide_reserve(
                state, reserve(f"r{step}", draw(st.integers(1, 5)), draw(st.integers(1, 20))), now
            )
            if isinstance(decision, NotEnough):
                continue
            event = decision
        elif state.holds:
            hold = draw(st.sampled_from(state.holds))
            decide = decide_release if action == "release" else decide_confirm
            event = decide(state, hold.reservation_id, now)
        else:
            continue
        state = state.apply(event)
        events.append(event)
    return events


@given(histories(), st.data())
@settings(max_examples=150, deadline=None)
def test_folding_any_history_equals_a_snapshot_plus_its_tail(events, data):
    cut = data.draw(st.integers(0, len(events)))
    snapshot = ItemState.from_json(fold(events[:cut], ItemState("cola")).to_json())
    assert fold(events[cut:], snapshot) == fold(events, ItemState("cola"))


@given(histories(), st.randoms(use_true_random=False), st.data())
@settings(max_examples=150, deadline=None)
def test_the_projection_of_any_delivery_order_converges(events, rnd: random.Random, data):
    deliveries = events + [rnd.choice(events) for _ in range(data.draw(st.integers(0, 10)))] if events else []
    rnd.shuffle(deliveries)
    view, published = ItemView(ItemState("cola")), []
    while deliveries:  # in batches of any size, as a stream consumer gets them
        size = data.draw(st.integers(1, 5))
        batch, deliveries = deliveries[:size], deliveries[size:]
        view, applied = project(ItemView.from_json(view.to_json()), batch)
        published += [event.version for event, _ in applied]
    assert view == ItemView(fold(events, ItemState("cola")))
    assert published == [event.version for event in events]  # each change published once, in order


@given(histories())
@settings(max_examples=50, deadline=None)
def test_events_survive_their_json(events):
    assert [event_from_json(event_to_json(e)) for e in events] == events


@given(histories(), st.integers(0, 200))
@settings(max_examples=100, deadline=None)
def test_availability_never_goes_below_zero_nor_above_supply(events, seconds):
    state = fold(events, ItemState("cola"))
    # From the last change on: before it, a hold made after an earlier one expired would count beside it.
    since = max((event.at for event in events), default=T0)
    assert 0 <= state.available(since + timedelta(seconds=seconds)) + state.sold <= state.supply or state.supply < 0
