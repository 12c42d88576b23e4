"""Every malformed body is a 400 that names the field, and nothing is written."""

from __future__ import annotations

import pytest
from conftest import stocked, unique

GOOD = {"reservationId": "r-1", "itemId": "cola", "quantity": 1, "holdSeconds": 60}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reservationId": None}, "reservationId"),
        ({"reservationId": "has space"}, "reservationId"),
        ({"itemId": "Cola"}, "itemId"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1001}, "quantity"),
        ({"quantity": "1"}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"holdSeconds": 0}, "holdSeconds"),
        ({"holdSeconds": 86_401}, "holdSeconds"),
        ({"extra": True}, "extra"),
    ],
)
def test_a_bad_reservation_is_a_400_naming_the_field(reservations, change, field):
    body = {**GOOD, "reservationId": unique("bad"), **change}
    body = {key: value for key, value in body.items() if value is not None}
    answer = reservations.post_reservation_body(body)
    assert answer.status == 400, answer.json()
    assert field in [problem["field"] for problem in answer.json()["details"]]


@pytest.mark.parametrize("body", [[1, 2], "text", 7, None])
def test_a_body_that_is_not_an_object_is_a_400(reservations, body):
    answer = reservations.post_reservation_body(body)
    assert answer.status == 400 and answer.json()["error"] == "InvalidInput"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 1, "reason": "x"}, "adjustmentId"),
        ({"adjustmentId": "a", "delta": 0, "reason": "x"}, "delta"),
        ({"adjustmentId": "a", "delta": "1", "reason": "x"}, "delta"),
        ({"adjustmentId": "a", "delta": 1, "reason": ""}, "reason"),
        ({"adjustmentId": "a", "delta": 1}, "reason"),
    ],
)
def test_a_bad_adjustment_is_a_400_naming_the_field(reservations, body, field):
    answer = reservations.adjust_body(unique("item"), body)
    assert answer.status == 400, answer.json()
    assert field in [problem["field"] for problem in answer.json()["details"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("after=-1", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after=" + "9" * 40, "after"),
        ("limit=ten", "limit"),
    ],
)
def test_a_bad_page_of_history_is_a_400_naming_the_parameter(reservations, query, field):
    item = stocked(reservations, 1)
    answer = reservations.http.get(f"/items/{item}/history?{query}")
    assert answer.status == 400, answer.json()
    assert [problem["field"] for problem in answer.json()["details"]] == [field]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("after=Not_A_Slug", "after"),
        ("after=", "after"),
        ("after=cola&limit=-1", "limit"),
    ],
)
def test_a_bad_page_of_items_is_a_400_naming_the_parameter(reservations, query, field):
    answer = reservations.http.get(f"/items?{query}")
    assert answer.status == 400, answer.json()
    assert [problem["field"] for problem in answer.json()["details"]] == [field]
    assert field in answer.json()["message"]


def test_bad_ids_in_paths_are_400s_and_unknown_ones_404s(reservations):
    assert reservations.item("Not_A_Slug").status == 400
    assert reservations.item(unique("nothing")).status == 404
    assert reservations.reservation(unique("nobody")).status == 404
    assert reservations.history(unique("nothing")).status == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "the body nests 10000 levels deep; at most 32 are accepted"),
        (b'{"reservationId": "r", "itemId": "cola", "holdSeconds": 60, "quantity": ' + b"1" * 5000 + b"}", "4,300"),
        (b'{"reservationId": "r", "itemId": "cola", "holdSeconds": 60, "quantity": Infinity}', "Infinity, which is"),
        (
            b'{"reservationId": "r", "itemId": "cola", "quantity": 1, "quantity": 9, "holdSeconds": 60}',
            "'quantity' twice",
        ),
        (b'{"reservationId": "r", "itemId": "cola",', "the body is not valid JSON"),
        (b'{"reservationId": "caf\xe9"}', "the body is not UTF-8 text"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_400_that_says_why_on_both_posts(reservations, body, message):
    for answer in (reservations.post_reservation_body(body), reservations.adjust_body(unique("item"), body)):
        assert (answer.status, answer.json()["error"]) == (400, "InvalidInput"), answer.json()
        assert message in answer.json()["message"]


def test_a_reservation_by_the_codes_field_names_is_a_400_naming_them(reservations):
    snake = {"reservation_id": unique("r"), "item_id": "cola", "quantity": 1, "hold_seconds": 60}
    answer = reservations.post_reservation_body(snake)
    assert answer.status == 400, answer.json()
    named = {problem["field"] for problem in answer.json()["details"]}
    assert {"reservation_id", "item_id", "hold_seconds", "reservationId"} <= named
    assert reservations.reservation(snake["reservation_id"]).status == 404, "nothing was written"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"adjustment_id": "a", "delta": 1, "reason": "x"}, "adjustment_id"),
        ({"adjustmentId": "a", "delta": 1, "reason": "x", "kind": "adjust"}, "kind"),
        ({"adjustmentId": "a", "delta": 1, "reason": "   "}, "reason"),
    ],
)
def test_an_adjustment_with_a_field_of_the_queues_or_a_blank_reason_is_a_400_naming_it(reservations, body, field):
    answer = reservations.adjust_body(unique("item"), body)
    assert answer.status == 400, answer.json()
    assert field in [problem["field"] for problem in answer.json()["details"]]


def test_an_invalid_id_in_a_path_is_not_echoed_whole(reservations):
    answer = reservations.reservation("x" * 5000 + "!")
    assert answer.status == 400
    assert len(answer.json()["message"]) < 200
