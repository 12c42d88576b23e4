import io
import json
import re
import time

from rich.console import Console

from pizza_place.dashboard import PlaceState, render, sparkline


def text_of(state: PlaceState) -> str:
    console = Console(file=io.StringIO(), width=140, force_terminal=False)
    console.print(render(state))
    return console.file.getvalue()


def test_a_sparkline_scales_from_zero_to_the_largest_value():
    assert sparkline([0, 4, 8], 3) == " ▄█"
    assert sparkline([1, 100], 2) == "▁█"  # a small level still shows


def test_a_sparkline_pads_a_short_history_and_keeps_the_newest_values():
    assert sparkline([8], 4) == "   █"
    assert sparkline([8, 0, 0, 0, 8], 2) == " █"
    assert sparkline([], 3) == "   "


def test_the_dashboard_shows_levels_the_oven_the_orders_and_the_last_events():
    state = PlaceState(duration=60, running_orders=True)
    state.board.apply(json.dumps({"typeId": "ham", "quantity": 12, "version": 3}))
    state.board.sample()
    state.delivered["ham"] = 20
    state.expired["ham"] = 3
    state.oven_capacity, state.oven_in_use, state.oven_waiting = 6, 4, 2
    state.orders, state.accepted, state.refused, state.baked = 10, 8, 2, 5
    state.refused_for["pineapple"] = 2
    state.event("deli delivered 20 ham")
    text = text_of(state)
    ham_row = next(line for line in text.splitlines() if " ham " in line)
    assert re.search(r"ham\s+12\s+\S+\s+20\s+3\s", ham_row), ham_row  # level, chart, delivered, expired
    assert "■■■■□□  4/6" in text
    assert "short of pineapple 2" in text
    assert "deli delivered 20 ham" in text


def test_watching_says_orders_are_not_counted_and_shows_the_baked_queue():
    state = PlaceState(running_orders=False)
    state.queue_baked = 7
    text = text_of(state)
    assert "watching: orders are not counted here" in text
    assert "baked, not collected" in text and "7" in text


def test_the_header_counts_towards_the_duration_then_only_says_what_goes_on():
    running = PlaceState(duration=60, running_orders=True, started=time.monotonic() - 30)
    draining = PlaceState(duration=60, running_orders=True, started=time.monotonic() - 75, phase="draining the oven")

    assert re.search(r"30 s of 60 s", text_of(running))
    header = text_of(draining).splitlines()[0]
    assert "75 s" in header and "of 60 s" not in header and "draining the oven" in header
