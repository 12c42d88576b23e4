"""``pizza order ...`` and ``pizza po ...``: orders and purchase orders, through the order workflows.

pizza order place ITEM=QTY [ITEM=QTY ...] [--id ID] [--wait]   new-order-received on the shared bus (checked
          [--use TYPE=QTY ... --bake SECS]                     first, as the intake checks it); with --use the
                                                               whole order: ingredients, oven (its pizza reported
                                                               baked by the pass: `pizza order baked ID`), confirm
pizza order show ID                                            the order's state, reason and reservations
pizza order baked ID                                           the pass: its pizza came off BakedItems
pizza po list [--status S] [--json]                            purchase orders
pizza po show ID
pizza po approve ID | pizza po reject ID                        resume its workflow (IAM-signed)
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from pizza_place.errors import REFUSED, USAGE, CliError, answer_body
from pizza_place.target import Target

__all__ = ["add_commands"]

TargetOf = Callable[[argparse.Namespace], Target]
MAX_BAKING_SECS = 300  # pizza_reservations.orders.domain.MAX_BAKING_SECS (a test holds them equal)
FINAL = ("RESERVED", "UNAVAILABLE", "FAILED", "CONFIRMED", "REFUSED")
# The whole order goes on past RESERVED (it waits for the pass to report its pizza baked: `pizza order baked`).
WHOLE_ORDER_ENDS = ("FAILED", "CONFIRMED", "REFUSED")


def add_commands(commands: Any, target_options: Callable[[argparse.ArgumentParser], None], target: TargetOf) -> None:
    parser_class = commands._parser_class  # the CLI's one-line-error parser
    order = commands.add_parser("order", help="place an order, or show one")
    verbs = order.add_subparsers(dest="order_command", required=True, parser_class=parser_class, metavar="COMMAND")
    place = verbs.add_parser(
        "place",
        help="publish new-order-received (ITEM=QTY ...), checked first as the intake checks it",
        description="Publish new-order-received. With --use the order goes the whole way: ingredients used, the "
        "pizza baked, the sale confirmed; it waits in the oven until the pass reports its pizza baked "
        "(`pizza order baked ID`; the demo's pass does it for you).",
    )
    place.add_argument("lines", nargs="+", metavar="ITEM=QTY")
    place.add_argument(
        "--id",
        help="the orderId (default: a new one); placing the same order again changes nothing, "
        "and another order under a used id is rejected",
    )
    place.add_argument("--wait", action="store_true", help="wait until the order is decided and print it")
    place.add_argument("--use", nargs="+", metavar="TYPE=QTY", help="the ingredients: the whole order workflow")
    place.add_argument(
        "--bake",
        type=int,
        default=2,
        metavar="SECS",
        help=f"baking time with --use, 1 to {MAX_BAKING_SECS} s (default 2); then `pizza order baked ID`",
    )
    show = verbs.add_parser("show", help="an order's state, reason and reservations")
    show.add_argument("order_id", metavar="ID")
    baked = verbs.add_parser("baked", help="report an order's pizza taken off the oven's BakedItems (the pass)")
    baked.add_argument("order_id", metavar="ID")
    for sub in (place, show, baked):
        target_options(sub)
        sub.set_defaults(handler=lambda args: _order(args, target))

    po = commands.add_parser("po", help="purchase orders: list, show, approve, reject")
    po_verbs = po.add_subparsers(dest="po_command", required=True, parser_class=parser_class, metavar="COMMAND")
    listing = po_verbs.add_parser("list", help="every purchase order (or those with --status)")
    listing.add_argument("--status", help="REQUESTED, AWAITING_APPROVAL, APPROVED, REJECTED, TIMED_OUT, FAILED")
    listing.add_argument("--json", action="store_true", help="as JSON")
    subs = [listing]
    for verb, text in (("show", "one purchase order"), ("approve", "approve it"), ("reject", "reject it")):
        sub = po_verbs.add_parser(verb, help=text)
        sub.add_argument("po_id", metavar="ID")
        subs.append(sub)
    for sub in subs:
        target_options(sub)
        sub.set_defaults(handler=lambda args: _po(args, target(args)))


def _client(target: Target) -> Any:
    from pizza_place.client import orders_client

    return orders_client(target)


def _lines(texts: list[str]) -> dict[str, int]:
    lines: dict[str, int] = {}
    for text in texts:
        item, _, quantity = text.partition("=")
        if not item or not quantity.isdigit():
            raise CliError(f"{text!r}: write ITEM=QUANTITY (cola=2)", USAGE)
        lines[item] = lines.get(item, 0) + int(quantity)
    return lines


def _new_order(args: argparse.Namespace) -> Any:
    """The order as the intake will read it (``NewOrderReceived``): refused here, with the field, rather than
    published, said to be placed, and then dead-lettered by the intake."""
    from pydantic import ValidationError

    from pizza_reservations.orders.domain import NewOrderReceived

    detail: dict[str, Any] = {
        "orderId": args.id or f"cli-{uuid.uuid4().hex[:12]}",
        "items": [{"itemId": item, "quantity": quantity} for item, quantity in _lines(args.lines).items()],
    }
    if args.use:
        detail["kitchen"] = {
            "ingredients": [{"typeId": t, "quantity": q} for t, q in _lines(args.use).items()],
            "bakingTimeSecs": args.bake,
        }
    try:
        return NewOrderReceived.model_validate(detail)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        raise CliError(f"order not placed: {problems}", USAGE) from None


def _order(args: argparse.Namespace, target_of: TargetOf) -> int:
    if args.order_command == "show":
        print(json.dumps(answer_body(_client(target_of(args)).order(args.order_id)), indent=2))
        return 0
    if args.order_command == "baked":
        print(json.dumps(answer_body(_client(target_of(args)).baked(args.order_id)), indent=2))
        return 0
    new_order = _new_order(args)  # checked before any cloud is asked
    client = _client(target_of(args))
    order_id = new_order.order_id
    kitchen = new_order.kitchen
    client.place(
        order_id,
        {line.item_id: line.quantity for line in new_order.items},
        ingredients=None if kitchen is None else {i.type_id: i.quantity for i in kitchen.ingredients},
        baking_time_secs=None if kitchen is None else kitchen.baking_time_secs,
    )
    print(f"order {order_id} placed")
    if kitchen is not None:
        print(f"its pizza goes to the oven once reserved; the pass reports it baked: pizza order baked {order_id}")
    if not args.wait:
        return 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = client.order(order_id)
        ended = FINAL if kitchen is None else WHOLE_ORDER_ENDS
        if answer.status == 200 and answer.json()["status"] in ended:
            print(json.dumps(answer.json(), indent=2))
            return 0 if answer.json()["status"] in ("RESERVED", "CONFIRMED") else REFUSED
        time.sleep(0.5)
    raise CliError(f"order {order_id} was not decided within 60 s", REFUSED)


def _po(args: argparse.Namespace, target: Target) -> int:
    client = _client(target)
    if args.po_command == "list":
        orders = answer_body(client.purchase_orders(args.status))["purchaseOrders"]
        if args.json:
            print(json.dumps(orders, indent=2))
            return 0
        for po in orders:
            print(f"{po['poId']:<40} {po['itemId']:<24} {po['quantity']:>6} {po['status']}")
        return 0
    if args.po_command == "show":
        print(json.dumps(answer_body(client.purchase_order(args.po_id)), indent=2))
        return 0
    answer = client.approve(args.po_id) if args.po_command == "approve" else client.reject(args.po_id)
    body = answer_body(answer)
    print(
        f"purchase order {body['poId']}: {body['status']}" + (f" ({body['decision']})" if body.get("decision") else "")
    )
    return 0
