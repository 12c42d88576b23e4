from collections import Counter

from pizza_place.invariants import Observations, check


def a_good_run() -> Observations:
    return Observations(
        levels_seen=[("kinesis v1", "ham", 10), ("kinesis v2", "ham", 8)],
        accepted={"o-1", "o-2"},
        refused={"o-3"},
        baked=Counter({"o-1": 1, "o-2": 1}),
        final_levels={"ham": 8, "dough": 0},
        expected_levels={"ham": 8, "dough": 0},
        streamed_levels={"ham": 8, "dough": 0},
        oven_in_use_at_end=0,
        oven_capacity=4,
        oven_in_use_seen=[0, 2, 4, 1, 0],
        placed={"o-1", "o-2", "o-3"},
        ended={"o-1": "CONFIRMED", "o-2": "CONFIRMED", "o-3": "REFUSED"},
        confirmed_per_item=Counter({"margherita-r1": 2}),
        menu_items={"margherita-r1": {"supply": 12, "sold": 2, "reserved": 0, "available": 10}},
    )


def test_a_run_that_kept_every_promise_has_no_violation():
    assert check(a_good_run()) == []


def test_a_negative_level_on_the_stream_breaks_the_no_negative_level_invariant():
    seen = a_good_run()
    seen.levels_seen.append(("kinesis v3", "ham", -2))
    assert [str(v) for v in check(seen)] == ["negative level: ham was -2 (kinesis v3)"]


def test_a_negative_final_level_is_caught_even_when_it_adds_up():
    seen = a_good_run()
    seen.final_levels["dough"] = seen.expected_levels["dough"] = seen.streamed_levels["dough"] = -1
    assert [str(v) for v in check(seen)] == ["negative level: dough was -1 (GET /stock at the end)"]


def test_a_pizza_baked_twice_breaks_baked_exactly_once():
    seen = a_good_run()
    seen.baked["o-2"] += 1
    assert [str(v) for v in check(seen)] == ["baked exactly once: accepted order o-2 was baked 2 times"]


def test_an_accepted_order_that_never_came_out_of_the_oven_is_caught():
    seen = a_good_run()
    del seen.baked["o-1"]
    assert [str(v) for v in check(seen)] == [
        "baked exactly once: accepted order o-1 was baked 0 times",
        "confirmed only when baked: order o-1 confirmed, never baked",
    ]


def test_a_refused_order_that_was_baked_is_caught():
    seen = a_good_run()
    seen.baked["o-3"] = 1
    assert [str(v) for v in check(seen)] == [
        "baked exactly once: pizza o-3 came out of the oven but was a refused order"
    ]


def test_a_level_that_differs_from_delivered_minus_used_minus_expired_is_caught_with_the_arithmetic():
    seen = a_good_run()
    seen.expected_levels["ham"] = 9
    seen.explanations["ham"] = "delivered 20 - used 9 - expired 2 = 9"
    assert [str(v) for v in check(seen)] == ["levels add up: ham is 8, but delivered 20 - used 9 - expired 2 = 9"]


def test_an_ingredient_the_ledger_never_delivered_but_the_stock_holds_is_caught():
    seen = a_good_run()
    seen.final_levels["olive"] = seen.streamed_levels["olive"] = 3
    assert [str(v) for v in check(seen)] == ["levels add up: olive is 3, but expected 0"]


def test_slots_still_in_use_after_draining_are_a_leak():
    seen = a_good_run()
    seen.oven_in_use_at_end = 2
    assert [str(v) for v in check(seen)] == ["oven slots: 2 slots still in use after the oven drained"]


def test_more_slots_in_use_than_the_capacity_is_caught():
    seen = a_good_run()
    seen.oven_in_use_seen.append(5)
    assert [str(v) for v in check(seen)] == ["oven slots: slots in use read 5 with a capacity of 4"]


def test_a_stream_that_disagrees_with_the_api_is_caught():
    seen = a_good_run()
    seen.streamed_levels["ham"] = 9
    assert [str(v) for v in check(seen)] == ["stream agrees: the last level broadcast for ham is 9, GET /stock says 8"]


def test_an_order_answered_other_than_201_or_409_is_caught():
    seen = a_good_run()
    seen.unexpected_answers.append("o-4: 500 Internal Server Error")
    assert [str(v) for v in check(seen)] == ["every order answered: o-4: 500 Internal Server Error"]


def test_an_error_while_the_demo_ran_fails_the_run():
    seen = a_good_run()
    seen.errors.append("kitchen: no report for deliveries/x/0003-deli.csv after 20 s")
    assert [str(v) for v in check(seen)] == ["no errors: kitchen: no report for deliveries/x/0003-deli.csv after 20 s"]


def test_an_order_that_never_ended_is_lost():
    seen = a_good_run()
    seen.placed.add("o-4")
    assert [str(v) for v in check(seen)] == ["no order lost: order o-4 never ended"]


def test_an_order_confirmed_without_its_pizza_out_of_the_oven_breaks_the_promise():
    seen = a_good_run()
    seen.placed.add("o-5")
    seen.ended["o-5"] = "CONFIRMED"
    seen.confirmed_per_item["margherita-r1"] += 1
    seen.menu_items["margherita-r1"] = {"supply": 12, "sold": 3, "reserved": 0, "available": 9}
    assert [str(v) for v in check(seen)] == ["confirmed only when baked: order o-5 confirmed, never baked"]


def test_an_item_oversold_or_still_held_breaks_the_menu_promises():
    seen = a_good_run()
    seen.menu_items["margherita-r1"] = {"supply": 1, "sold": 2, "reserved": 1, "available": -2}
    assert [v.invariant for v in check(seen)] == ["never oversold", "no reservation left held"]
    seen.menu_items["margherita-r1"] = {"supply": 12, "sold": 1, "reserved": 0, "available": 11}
    assert [str(v) for v in check(seen)] == ["never oversold: margherita-r1: sold 1, 2 orders confirmed"]
