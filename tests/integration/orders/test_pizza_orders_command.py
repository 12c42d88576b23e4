"""``pizza order ...`` and ``pizza po ...`` against the session's target."""

from __future__ import annotations

import json

import pytest
from orders_target import stocked, unique
from test_purchase_orders import finished, raise_purchase_order

from pizza_place.cli import main


@pytest.fixture(scope="module")
def outputs(localcloud) -> str:
    if localcloud.outputs_path is None:
        raise AssertionError("the target has no outputs file to give the pizza command")
    return str(localcloud.outputs_path)


def pizza(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_order_placed_with_the_command_is_reserved_and_shown(capsys, outputs, reservations):
    cola = stocked(reservations, 3)
    order_id = unique("cli")
    code, out, err = pizza(capsys, "--outputs", outputs, "order", "place", f"{cola}=2", "--id", order_id, "--wait")
    assert (code, err) == (0, ""), out
    assert out.startswith(f"order {order_id} placed\n")
    code, out, _ = pizza(capsys, "--outputs", outputs, "order", "show", order_id)
    assert code == 0 and json.loads(out)["status"] == "RESERVED"
    code, _, err = pizza(capsys, "--outputs", outputs, "order", "place", "cola", "--id", unique("bad"))
    assert code != 0 and "ITEM=QUANTITY" in err


def test_a_purchase_order_is_listed_and_approved_with_the_command(capsys, outputs, localcloud, orders, reservations):
    item = stocked(reservations, 5, "tiramisu")  # on the menu: only such items are ordered
    po = raise_purchase_order(orders, item, 4)
    code, out, _ = pizza(capsys, "--outputs", outputs, "po", "list", "--status", "AWAITING_APPROVAL")
    assert code == 0 and po["poId"] in out
    code, out, err = pizza(capsys, "--outputs", outputs, "po", "approve", po["poId"])
    assert (code, err) == (0, "") and out.startswith(f"purchase order {po['poId']}: ")
    assert finished(localcloud, po["poId"]) == "SUCCEEDED"
    code, _, err = pizza(capsys, "--outputs", outputs, "po", "reject", po["poId"])
    assert code != 0 and "APPROVED" in err
