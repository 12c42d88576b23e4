"""Reserving never oversells, holds expire exactly at their time, and a replay gets the first answer."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from conftest import history_types, stocked, unique

from localcloud.polling import eventually


def test_64_clients_racing_for_one_item_with_50_units_get_exactly_50(reservations):
    item = stocked(reservations, 50)
    ids = [unique("race") for _ in range(128)]
    with ThreadPoolExecutor(max_workers=64) as pool:
        answers = list(pool.map(lambda rid: reservations.reserve(rid, item, 1, 600), ids))
    statuses = [answer.status for answer in answers]
    assert sorted(set(statuses)) == [201, 409], f"only 201s and 409s, never a 5xx: {sorted(set(statuses))}"
    assert statuses.count(201) == 50
    assert all(answer.json()["details"]["available"] == 0 for answer in answers if answer.status == 409)
    history = reservations.history(item).json()["events"]
    assert [event["type"] for event in history].count("Reserved") == 50
    # A version is Voided only if its writer was slower than the gate's grace (sealed; it then took another).
    assert {event["type"] for event in history} <= {"Adjusted", "Reserved", "Voided"}
    last = history[-1]["version"]
    view = eventually(
        lambda: (body := reservations.item(item).json())["version"] == last and body, f"the projection at {last}"
    )
    assert (view["available"], view["reserved"], view["status"]) == (0, 50, "OUT OF STOCK")


def test_a_3s_hold_frees_its_units_at_3s_without_waiting_for_ttl_or_the_sweep(reservations):
    item = stocked(reservations, 4)
    first = reservations.reserve(unique("hold"), item, 4, 3)
    assert first.status == 201
    expires_at = datetime.fromisoformat(first.json()["expiresAt"])
    assert reservations.reserve(unique("early"), item, 1, 60).status == 409
    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()))  # the instant under test, not a sync
    second = reservations.reserve(unique("after"), item, 4, 60)
    assert second.status == 201, second.json()
    assert reservations.reservation(first.json()["reservationId"]).json()["status"] == "EXPIRED"


def test_a_replay_gets_the_first_answer_and_another_body_is_a_409(reservations):
    item = stocked(reservations, 3)
    rid = unique("replay")
    first = reservations.reserve(rid, item, 2, 60)
    replay = reservations.reserve(rid, item, 2, 60)
    assert (first.status, replay.status, replay.json()) == (201, 201, first.json())
    other = reservations.reserve(rid, item, 3, 60)
    assert other.status == 409 and other.json()["details"]["quantity"] == 2
    refused_id = unique("refused")
    assert reservations.reserve(refused_id, item, 2, 60).status == 409
    assert reservations.reservation(refused_id).json()["status"] == "REFUSED"
    assert reservations.release(refused_id).status == 409, "a refusal holds nothing to release"
    assert history_types(reservations, item) == ["Adjusted", "Reserved"]
    assert reservations.release(rid).json()["status"] == "RELEASED"
    later = reservations.reserve(rid, item, 2, 60)
    assert (later.status, later.json()) == (201, first.json()), "a replay after a release still gets the first answer"
    assert reservations.reservation(rid).json()["status"] == "RELEASED"


def test_an_early_release_frees_the_units_once(reservations):
    item = stocked(reservations, 2)
    rid = unique("early")
    assert reservations.reserve(rid, item, 2, 600).status == 201
    assert [reservations.release(rid).json()["status"] for _ in range(2)] == ["RELEASED", "RELEASED"]
    assert reservations.reserve(unique("next"), item, 2, 600).status == 201
    assert history_types(reservations, item).count("Released") == 1
    assert reservations.release(unique("nobody")).status == 404


@pytest.mark.localcloud_only
def test_the_sweep_records_released_for_every_expired_hold_exactly_once(localcloud, reservations):
    item = stocked(reservations, 5)
    ids = [unique("swept") for _ in range(3)]
    for rid in ids:
        assert reservations.reserve(rid, item, 1, 1).status == 201
    time.sleep(1.1)  # past the holds' expiry: the sweep only lists expired holds
    sweep = "pizza-reservations-sweep"  # the session cloud's stacks have the prefix "pizza"
    with ThreadPoolExecutor(max_workers=2) as pool:  # two sweeps at once, as overlapping schedules could be
        list(pool.map(lambda _: localcloud.cloud.invoke(sweep, {}), range(2)))
    eventually(
        lambda: all(reservations.reservation(rid).json()["status"] == "EXPIRED" for rid in ids),
        "every expired hold recorded",
        timeout=30,
    )
    assert history_types(reservations, item).count("Released") == 3
