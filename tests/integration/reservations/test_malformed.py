"""Every malformed body is a 400 that names the field, and nothing is written."""

from __future__ import annotations

import pytest
from conftest import unique

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


def test_bad_ids_in_paths_are_400s_and_unknown_ones_404s(reservations):
    assert reservations.item("Not_A_Slug").status == 400
    assert reservations.item(unique("nothing")).status == 404
    assert reservations.reservation(unique("nobody")).status == 404
    assert reservations.history(unique("nothing")).status == 404
