from collections import Counter

from pizza_place.dashboard import PlaceState
from pizza_place.invariants import Observations, check
from pizza_place.live import summary


def test_the_summary_lists_every_broken_invariant():
    state = PlaceState(running_orders=True)
    state.orders, state.accepted, state.refused, state.baked = 3, 2, 1, 3
    seen = Observations(
        accepted={"o-1", "o-2"},
        refused={"o-3"},
        baked=Counter({"o-1": 2, "o-2": 1}),
        final_levels={"ham": 4},
        expected_levels={"ham": 4},
        explanations={"ham": "delivered 6 - used 2 - expired 0 = 4"},
    )
    lines = summary(state, seen, check(seen)).splitlines()
    assert "orders       3: accepted 2, refused 1" in lines
    assert "  ham      4   delivered 6 - used 2 - expired 0 = 4" in lines
    assert lines[-2:] == ["INVARIANTS BROKEN (1):", "  - baked exactly once: accepted order o-1 was baked 2 times"]


def test_a_run_stopped_before_the_oven_drained_says_its_invariants_were_not_checked():
    lines = summary(PlaceState(running_orders=True), Observations(), None).splitlines()
    assert lines[-1] == "stopped before the oven drained: the invariants were not checked"
