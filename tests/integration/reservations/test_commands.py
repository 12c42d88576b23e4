"""Checkout and adjustments are commands on a durable queue, each applied exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import history_types, stocked, unique

from localcloud.polling import eventually


def test_a_confirm_sent_three_times_sells_the_hold_once(reservations):
    item = stocked(reservations, 5)
    rid = unique("checkout")
    assert reservations.reserve(rid, item, 2, 600).status == 201
    assert {reservations.confirm(rid).status for _ in range(3)} == {202}
    eventually(lambda: reservations.reservation(rid).json()["status"] == "CONFIRMED", "the confirmation", timeout=60)
    eventually(lambda: reservations.item(item).json()["sold"] == 2, "2 sold in the projection", timeout=60)
    assert history_types(reservations, item).count("Confirmed") == 1
    assert reservations.release(rid).status == 409


def test_confirming_what_cannot_be_confirmed_gets_a_clear_answer(reservations):
    item = stocked(reservations, 1)
    assert reservations.confirm(unique("unknown")).status == 404
    refused = unique("refused")
    assert reservations.reserve(refused, item, 2, 60).status == 409
    assert reservations.confirm(refused).status == 409
    released = unique("released")
    assert reservations.reserve(released, item, 1, 600).status == 201
    assert reservations.release(released).status == 200
    assert reservations.confirm(released).status == 202
    body = eventually(
        lambda: (answer := reservations.reservation(released).json()).get("confirmRefusal") and answer,
        "the refusal noted on the reservation",
        timeout=60,
    )
    assert (body["status"], body["confirmRefusal"]) == ("RELEASED", "released")


def test_an_adjustment_is_applied_once_per_id_and_a_refusal_is_recorded_with_its_reason(reservations):
    item = stocked(reservations, 5)
    adjustment = unique("more")
    assert {reservations.adjust(item, adjustment, 3, "second batch").status for _ in range(3)} == {202}
    eventually(lambda: reservations.item(item).json()["supply"] == 8, "the adjustment applied", timeout=60)
    assert reservations.reserve(unique("hold"), item, 6, 600).status == 201
    assert reservations.adjust(item, unique("broken"), -4, "dropped a crate").status == 202
    eventually(lambda: "AdjustmentRefused" in history_types(reservations, item), "the refusal recorded", timeout=60)
    events = reservations.history(item).json()["events"]
    assert [e["type"] for e in events].count("Adjusted") == 2
    assert "6 held" in events[-1]["refusal"]
    assert reservations.adjust(item, adjustment, 4, "second batch").status == 409


def test_racing_posts_of_one_adjustment_id_with_two_bodies_queue_one_and_refuse_the_other_at_once(reservations):
    item = stocked(reservations, 5)
    adjustment = unique("racing")
    bodies = [(10, "delivery"), (-3, "breakage")] * 4
    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(lambda body: reservations.adjust(item, adjustment, *body), bodies))
    accepted = {body for body, answer in zip(bodies, answers, strict=True) if answer.status == 202}
    assert len(accepted) == 1 and sorted(answer.status for answer in answers) == [202] * 4 + [409] * 4
    delta, _ = accepted.pop()
    refusal = next(answer.json() for answer in answers if answer.status == 409)
    assert refusal["details"]["delta"] == delta, "the 409 names the body the id was first accepted with"
    eventually(lambda: reservations.item(item).json()["supply"] == 5 + delta, "the accepted one applied", timeout=60)
    # Applied once: the stocking and this one (a replay's command, or a delivery again, may void a version).
    assert [t for t in history_types(reservations, item) if t != "Voided"] == ["Adjusted", "Adjusted"]
