"""``pizza items ...`` and ``pizza reserve ...``: the sellable items, through the reservations API.

pizza items list [ITEM ...] [--json]           availability (from the projection)
pizza items adjust ITEM DELTA --reason TEXT    add (or take away) units; applied once per --id
pizza items history ITEM                       every event of the item
pizza reserve ITEM QUANTITY [--hold 300]       hold units; prints the reservation
pizza reserve --release ID | --confirm ID | --show ID
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Callable
from typing import Any

from pizza_place.errors import USAGE, CliError, answer_body
from pizza_place.target import Target

__all__ = ["add_commands"]

TargetOf = Callable[[argparse.Namespace], Target]


def add_commands(commands: Any, target_options: Callable[[argparse.ArgumentParser], None], target: TargetOf) -> None:
    parser_class = commands._parser_class  # the CLI's one-line-error parser
    items = commands.add_parser("items", help="the sellable items: availability, adjustments, history")
    verbs = items.add_subparsers(dest="items_command", required=True, parser_class=parser_class, metavar="COMMAND")
    listing = verbs.add_parser("list", help="availability of every item (or those named)")
    listing.add_argument("items", nargs="*", metavar="ITEM")
    listing.add_argument("--json", action="store_true", help="as JSON")
    adjust = verbs.add_parser("adjust", help="add or take away units (queued, applied once per --id)")
    adjust.add_argument("item", metavar="ITEM")
    adjust.add_argument("delta", type=int, metavar="DELTA")
    adjust.add_argument("--reason", required=True)
    adjust.add_argument("--id", help="the adjustmentId (default: a new one)")
    history = verbs.add_parser("history", help="every event of an item, as JSON lines")
    history.add_argument("item", metavar="ITEM")
    for sub in (listing, adjust, history):
        target_options(sub)
        sub.set_defaults(handler=lambda args: _items(args, target(args)))

    reserve = commands.add_parser("reserve", help="hold units of an item, or release, confirm or show a reservation")
    reserve.add_argument("item", nargs="?", metavar="ITEM")
    reserve.add_argument("quantity", nargs="?", type=int, metavar="QUANTITY")
    reserve.add_argument("--hold", type=int, default=300, help="seconds the units are held (default 300)")
    reserve.add_argument("--id", help="the reservationId (default: a new one); replaying it changes nothing")
    action = reserve.add_mutually_exclusive_group()
    action.add_argument("--release", metavar="ID", help="give a reservation's units back")
    action.add_argument("--confirm", metavar="ID", help="checkout: make the hold permanent")
    action.add_argument("--show", metavar="ID", help="a reservation's state")
    target_options(reserve)
    reserve.set_defaults(handler=lambda args: _reserve(args, target(args)))


def _client(target: Target) -> Any:
    from pizza_place.client import reservations_client

    return reservations_client(target)


def _items(args: argparse.Namespace, target: Target) -> int:
    client = _client(target)
    if args.items_command == "adjust":
        adjustment = args.id or f"cli-{uuid.uuid4().hex[:12]}"
        answer_body(client.adjust(args.item, adjustment, args.delta, args.reason))
        print(f"adjustment {adjustment} of {args.delta:+d} {args.item} queued")
        return 0
    if args.items_command == "history":
        for page in client.history_pages(args.item):
            for event in answer_body(page)["events"]:
                print(json.dumps(event))
        return 0
    if args.items:
        found = [answer_body(client.item(item)) for item in args.items]
    else:  # every page of the listing (in the API's order), shown by id
        listed = [item for page in client.item_pages() for item in answer_body(page)["items"]]
        found = sorted(listed, key=lambda item: item["itemId"])
    if args.json:
        print(json.dumps(found, indent=2))
    elif not found:
        print("no items yet: add units with `pizza items adjust ITEM DELTA --reason ...`")
    for item in [] if args.json else found:
        print(
            f"{item['itemId']:<24} {item['status']:<12} available {item['available']:>6}  "
            f"reserved {item['reserved']:>6}  sold {item['sold']:>6}  (version {item['version']})"
        )
    return 0


def _reserve(args: argparse.Namespace, target: Target) -> int:
    client = _client(target)
    if args.release or args.confirm or args.show:
        reservation_id = args.release or args.confirm or args.show
        call = client.release if args.release else client.confirm if args.confirm else client.reservation
        print(json.dumps(answer_body(call(reservation_id))))
        return 0
    if args.item is None or args.quantity is None:
        raise CliError("give ITEM and QUANTITY, or one of --release/--confirm/--show ID", USAGE)
    reservation_id = args.id or f"cli-{uuid.uuid4().hex[:12]}"
    body = answer_body(client.reserve(reservation_id, args.item, args.quantity, args.hold))
    print(f"reservation {reservation_id}: {body['quantity']} {body['itemId']} held until {body['expiresAt']}")
    return 0
