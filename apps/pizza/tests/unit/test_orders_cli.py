"""``pizza order place`` checks the order as the intake will (``NewOrderReceived``) before it publishes anything:
it said "placed" for orders the intake then dead-lettered, and waited 60 s for them."""

import pytest

from pizza_place import orders_cli
from pizza_place.cli import main
from pizza_reservations.orders.domain import MAX_BAKING_SECS


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["Cola=1"], "items.0.itemId: String should match pattern"),
        (["cola=0"], "items.0.quantity: Input should be greater than or equal to 1"),
        (["cola=1", "--id", "has space"], "orderId: String should match pattern"),
        (["cola=1", "--use", "dough=1", "--bake", "601"], "kitchen.bakingTimeSecs: Input should be less than or equal"),
        (["cola=1", "--use", "dough=1", "--bake", "0"], "kitchen.bakingTimeSecs: Input should be greater than or"),
    ],
)
def test_an_order_the_intake_would_reject_is_not_published_and_the_field_is_named(capsys, tmp_path, argv, field):
    # No cloud here: the check comes first (a valid order would stop at "no local cloud is running", exit 3).
    code, out, err = run(capsys, "order", "place", *argv, "--wait", "--state-dir", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith("pizza: order not placed: ") and field in err, err


def test_a_valid_order_gets_as_far_as_the_target(capsys, tmp_path):
    code, _, err = run(
        capsys, "order", "place", "cola=1", "--use", "dough=1", "--bake", "5", "--state-dir", str(tmp_path)
    )
    assert code == 3 and "no local cloud is running" in err


def test_the_help_names_the_baking_limit_and_the_pass(capsys):
    assert orders_cli.MAX_BAKING_SECS == MAX_BAKING_SECS
    with pytest.raises(SystemExit):
        main(["order", "place", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert f"1 to {MAX_BAKING_SECS} s" in out and "pizza order baked ID" in out
