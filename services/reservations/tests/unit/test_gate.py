"""The gate, held to its promises under any interleaving of writers, crashes, replays, expiries and sweeps.

Writers are interleaved where it matters: between a version taken from the gate and its event written. Each
step may run the next step inside that window (another writer taking and writing meanwhile), or crash there
(the function dies with its version taken and nothing written)."""

from __future__ import annotations

from fakes import Clock, FakeEventStore, FakeRequests, FakeSnapshots
from hypothesis import given, settings
from hypothesis import strategies as st

from pizza_common.deadline import Deadline
from pizza_reservations import use_cases
from pizza_reservations.domain.model import AdjustItem, ItemState, ReservationStatus, Reserve, fold

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "reserve", "reserve", "replay", "release", "adjust", "expire", "sweep"]),
        st.integers(1, 4),  # quantity, delta, seconds
        st.sampled_from(["alone", "alone", "nest", "crash"]),  # what happens between take and append
    ),
    max_size=40,
)


class Crash(Exception):
    """The function died between taking its version and writing its event."""


@given(STEPS)
@settings(max_examples=200, deadline=None)
def test_any_interleaving_never_oversells_and_the_gate_ends_exact(steps):
    clock, requests, snapshots = Clock(), FakeRequests(), FakeSnapshots()
    store = FakeEventStore(requests)
    ports = {
        "store": store,
        "snapshots": snapshots,
        "requests": requests,
        "now": clock,
        "deadline": Deadline(float("inf"), sleep=clock.advance),
    }
    original_append = store.append
    pending = list(steps)
    granted: set[str] = set()
    crashed: list[int] = []

    def window(event, **kwargs):
        """Between the gate and the event: maybe another writer's whole step, maybe a crash."""
        if kwargs.get("claim") is not None and event.type == "Reserved" and window.mode == "crash":
            window.mode = "alone"
            crashed.append(event.version)
            raise Crash
        if kwargs.get("claim") is not None and window.mode == "nest" and pending:
            window.mode = "alone"
            run(pending.pop(0))
        return original_append(event, **kwargs)

    window.mode = "alone"
    store.append = window  # type: ignore[method-assign]

    def run(step) -> None:
        action, number, mode = step
        window.mode = mode
        try:
            if action in ("reserve", "replay"):
                rid = f"r{len(granted)}" if action == "replay" and granted else f"r{len(pending)}-{number}"
                rid = sorted(granted)[0] if action == "replay" and granted else rid
                outcome = use_cases.reserve(
                    Reserve(reservation_id=rid, item_id="cola", quantity=number, hold_seconds=number * 3), **ports
                )
                if isinstance(outcome, use_cases.Granted):
                    granted.add(rid)
            elif action == "release" and granted:
                use_cases.release(sorted(granted)[-1], **ports)
            elif action == "adjust":
                use_cases.adjust(
                    AdjustItem(item_id="cola", adjustment_id=f"a{len(pending)}", delta=number * 2, reason="batch"),
                    **ports,
                )
            elif action == "expire":
                clock.advance(number * 2)
            elif action == "sweep":
                use_cases.expire_holds(**ports)
        except Crash:
            pass
        state = fold(store.read("cola"), ItemState("cola"))
        assert state.unheld() >= 0, "oversold"
        gate = store.gate("cola")
        if gate is not None:
            assert gate.free <= state.unheld(), "the gate gives out more than the fold holds"

    use_cases.adjust(AdjustItem(item_id="cola", adjustment_id="a-first", delta=5, reason="batch"), **ports)
    while pending:
        run(pending.pop(0))
    clock.advance(use_cases.GRACE.total_seconds() + 1)
    use_cases.expire_holds(**ports)  # a sweep later: every version resolved, the gate exact

    events = store.read("cola")
    state = fold(events, ItemState("cola"))
    gate = store.gate("cola")
    assert [event.version for event in events] == list(range(1, gate.seq + 1)), "every version written or sealed"
    assert gate.free == state.unheld()
    assert {e.version for e in events if e.type == "Voided" and e.reason == "abandoned"} >= set(crashed)
    reserved = [e for e in events if e.type == "Reserved"]
    assert len({e.reservation_id for e in reserved}) == len(reserved), "a reservation id is held once"
    for event in reserved:
        record = requests.reservation(event.reservation_id)
        assert record is not None and record.version == event.version
        assert record.status is not ReservationStatus.REFUSED
    assert granted == {e.reservation_id for e in reserved}
    assert store.gated_items() == []
