"""``pizza``: drive the pizza place from a terminal.

    pizza demo [--duration 120] [--no-tty] [--seed N]     the whole place on its own local cloud, live
    pizza watch                                           the dashboard alone, against a running cloud
    pizza stock deliver FILE.csv                          a supplier's delivery; prints its report
    pizza stock levels [INGREDIENT ...]
    pizza stock use [--tx ID] ham=2 mozzarella=1          take ingredients, all or nothing
    pizza oven bake [--n 10]                              send pizzas and follow them until baked
    pizza oven status
    pizza items list|adjust|history ...                   the sellable items (reservations service)
    pizza reserve ITEM QUANTITY [--hold 300]              hold units; --release/--confirm/--show ID

It talks to the local cloud started here (``.localcloud/outputs.json``, as ``make up`` writes it), or to the
deployments described by ``--outputs FILE`` (``terraform output -json`` of each, with the usual AWS
credentials). Failures are one line on stderr and an exit code: 1 refused, 2 wrong usage, 3 nothing to talk to.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import uuid
from pathlib import Path
from typing import Any, NoReturn

from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from pizza_place.errors import INTERRUPTED, NO_TARGET, REFUSED, USAGE, CliError
from pizza_place.target import DEFAULT_STATE_DIR, Target, load_target

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (and the exit code of a usage error)."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(USAGE)


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="pizza", description="Drive the Cloud Pizza Place: its demo, its stock and its oven.")
    _target_options(root, argparse_defaults=True)
    commands = root.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run the whole pizza place on its own local cloud, with a live dashboard")
    demo.add_argument("--duration", type=_positive_float, default=120.0, help="seconds of orders (default 120)")
    demo.add_argument("--no-tty", action="store_true", help="plain progress lines; exit 1 if an invariant broke")
    demo.add_argument("--seed", type=int, help="the same deliveries and orders on every run with this seed")
    demo.add_argument("--rate", type=_positive_float, default=2.0, help="orders per second on average (default 2)")
    demo.add_argument("--chaos", action="store_true", help="the local cloud delivers every event at least twice")
    demo.add_argument(
        "--oven-capacity", type=_positive_int, default=6, help="pizzas the oven bakes at once (default 6)"
    )
    demo.add_argument(
        "--demo-dir", type=Path, default=DEFAULT_STATE_DIR / "demo", help="the demo cloud's state and logs"
    )
    demo.add_argument("--screenshot", type=Path, help=argparse.SUPPRESS)  # an SVG frame, for docs/dashboard.png
    demo.set_defaults(handler=cmd_demo)

    watch = commands.add_parser("watch", help="the dashboard alone, against a running cloud")
    watch.add_argument("--duration", type=_positive_float, help="stop after this many seconds (default: Ctrl-C)")
    watch.add_argument("--no-tty", action="store_true", help="print the levels every few seconds instead")
    _target_options(watch)
    watch.set_defaults(handler=cmd_watch)

    stock = commands.add_parser("stock", help="deliveries, levels and usage").add_subparsers(
        dest="stock_command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    deliver = stock.add_parser("deliver", help="upload a CSV delivery and print its report")
    deliver.add_argument("file", type=Path, metavar="FILE.csv", help="rows typeId,quantity,expiresAt (ISO date)")
    deliver.add_argument("--key", help="the object key (default: the file's name)")
    deliver.add_argument("--timeout", type=_positive_float, default=60.0, help="seconds to wait for the report")
    _target_options(deliver)
    deliver.set_defaults(handler=cmd_stock_deliver)

    levels = stock.add_parser("levels", help="current levels (all, or the ingredients named)")
    levels.add_argument("ingredients", nargs="*", metavar="INGREDIENT")
    levels.add_argument("--json", action="store_true", help="as JSON")
    _target_options(levels)
    levels.set_defaults(handler=cmd_stock_levels)

    use = stock.add_parser("use", help="take ingredients: every item or none")
    use.add_argument("items", nargs="+", type=_item, metavar="INGREDIENT=QUANTITY")
    use.add_argument("--tx", help="the transactionId (default: a new one); replaying it changes nothing")
    _target_options(use)
    use.set_defaults(handler=cmd_stock_use)

    oven = commands.add_parser("oven", help="bake and look into the oven").add_subparsers(
        dest="oven_command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    bake = oven.add_parser("bake", help="send pizzas to the oven and follow them until baked")
    bake.add_argument("--n", type=_positive_int, default=10, help="how many pizzas (default 10)")
    bake.add_argument("--baking-time", type=_positive_int, default=2, help="seconds each bakes (default 2)")
    bake.add_argument("--timeout", type=_positive_float, default=300.0, help="seconds to wait for them all")
    _target_options(bake)
    bake.set_defaults(handler=cmd_oven_bake)

    status = oven.add_parser("status", help="capacity, slots in use, queues")
    status.add_argument("--json", action="store_true", help="as JSON")
    _target_options(status)
    status.set_defaults(handler=cmd_oven_status)

    from pizza_place.reservations_cli import add_commands

    add_commands(commands, _target_options, _target)
    from pizza_place.orders_cli import add_commands as add_order_commands

    add_order_commands(commands, _target_options, _target)
    return root


def _target_options(parser: argparse.ArgumentParser, *, argparse_defaults: bool = False) -> None:
    # On the root they carry the defaults; on each command they only override (so both positions work).
    default_files: Any = [] if argparse_defaults else argparse.SUPPRESS
    default_dir: Any = _default_state_dir() if argparse_defaults else argparse.SUPPRESS
    parser.add_argument(
        "--outputs",
        type=Path,
        action="append",
        default=default_files,
        metavar="FILE",
        help="outputs of the target: `terraform output -json` of a deployment (repeat for stock and oven), "
        "or a local cloud's outputs.json; default: the local cloud started here",
    )
    parser.add_argument(
        "--state-dir", type=Path, default=default_dir, help="the local cloud's state folder (default ./.localcloud)"
    )


def _default_state_dir() -> Path:
    return Path(os.environ.get("LOCALCLOUD_STATE_DIR", str(DEFAULT_STATE_DIR)))


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not positive")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not positive")
    return value


def _item(text: str) -> tuple[str, int]:
    name, equals, quantity = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not INGREDIENT=QUANTITY (e.g. ham=2)")
    try:
        return name, int(quantity)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the quantity {quantity!r} is not a whole number") from None


# --- targets ----------------------------------------------------------------------------------------------


def _target(args: argparse.Namespace) -> Target:
    if not args.outputs:
        _require_running_localcloud(args.state_dir)
    target = load_target(args.outputs, args.state_dir)
    args.target = target  # for the message if it cannot be reached
    return target


def _require_running_localcloud(state_dir: Path) -> None:
    """A local cloud started by `localcloud up` leaves its pid; a stopped one leaves a stale outputs.json."""
    pid_file = state_dir / "localcloud.pid"
    if not (state_dir / "outputs.json").exists():
        return  # load_target says so
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        raise CliError(
            f"the local cloud in {state_dir} is not running (stopped; start it with `make up`)", NO_TARGET
        ) from None
    except PermissionError:
        return


# --- stock ------------------------------------------------------------------------------------------------


def cmd_stock_deliver(args: argparse.Namespace) -> int:
    from pizza_place.client import StockClient

    file: Path = args.file
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise CliError(f"{file}: no such file", USAGE) from None
    except IsADirectoryError:
        raise CliError(f"{file}: is a folder, not a CSV file", USAGE) from None
    stock = StockClient(_target(args))
    key = args.key or file.name
    print(f"delivering {file} as s3://{stock.bucket}/{key}; waiting for its report")
    report = stock.deliver(key, data, timeout=args.timeout)
    if report.get("status") == "conflict":
        raise CliError(str(report.get("message", f"{key} was already delivered with different content")))
    if report.get("uploads", 1) > 1:
        print(f"the same content was delivered before (upload {report['uploads']}): nothing added; its report:")
    quantities = report.get("quantities", {})
    listed = ", ".join(f"{t} {q}" for t, q in sorted(quantities.items()))
    accepted = int(report.get("accepted", 0))
    print(f"accepted {accepted} row{'s' if accepted != 1 else ''}" + (f": {listed}" if listed else ""))
    rejected = report.get("rejected", [])
    for rejection in rejected:
        print(f"rejected line {rejection['line']}: {rejection['reason']}")
    return REFUSED if rejected else 0


def cmd_stock_levels(args: argparse.Namespace) -> int:
    from pizza_place.client import StockClient

    stock = StockClient(_target(args))
    if args.ingredients:
        levels = {}
        for type_id in args.ingredients:
            level = stock.level(type_id)
            if level is None:
                raise CliError(f"unknown ingredient {type_id!r}: the stock has never held it", USAGE)
            levels[type_id] = level
    else:
        levels = stock.levels()
    if args.json:
        print(json.dumps(levels, indent=2))
    elif not levels:
        print("the stock is empty: nothing was ever delivered")
    else:
        width = max(len(t) for t in levels)
        for type_id, quantity in levels.items():
            print(f"{type_id:<{width}}  {quantity:>6}")
    return 0


def cmd_stock_use(args: argparse.Namespace) -> int:
    from pizza_place.client import StockClient

    items: dict[str, int] = {}
    for name, quantity in args.items:
        if name in items:
            raise CliError(f"{name} is named twice; give each ingredient once", USAGE)
        items[name] = quantity
    stock = StockClient(_target(args))
    transaction = args.tx or f"cli-{uuid.uuid4().hex[:12]}"
    answer = stock.use(transaction, items)
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status == 201:
        used = ", ".join(f"{t} {q}" for t, q in items.items())
        levels = ", ".join(f"{lv['typeId']} {lv['quantity']}" for lv in body.get("levels", []))
        print(f"used {used} (transaction {transaction}); levels now: {levels}")
        return 0
    if answer.status == 409:
        shortfalls = body.get("details", {}).get("shortfalls", [])
        for shortfall in shortfalls:
            if shortfall.get("available") == 0 and stock.level(shortfall["typeId"]) is None:
                raise CliError(f"unknown ingredient {shortfall['typeId']!r}: the stock has never held it", USAGE)
        raise CliError(str(body.get("message", f"refused (409): {answer.body}")))
    if answer.status == 400:
        raise CliError(str(body.get("message", f"invalid request: {answer.body}")), USAGE)
    raise CliError(f"POST /transactions answered {answer.status}: {body.get('message', answer.body)}")


# --- oven -------------------------------------------------------------------------------------------------


def cmd_oven_bake(args: argparse.Namespace) -> int:
    """The oven service's own follow-the-pizzas command (``python -m pizza_oven.cli``), on this target."""
    from pizza_oven.client import OvenUnreachable, bake
    from pizza_place.client import OvenClient

    oven = OvenClient(_target(args))
    try:
        summary = bake(oven.doors, args.n, baking_time_secs=args.baking_time, timeout_secs=args.timeout)
    except OvenUnreachable as error:
        raise CliError(str(error), NO_TARGET) from None
    for line in summary.lines():
        print(line)
    return 0 if summary.ok else REFUSED


def cmd_oven_status(args: argparse.Namespace) -> int:
    from pizza_place.client import OvenClient

    oven = OvenClient(_target(args))
    load = oven.load()
    depths = oven.queue_depths()
    status = {
        "capacity": load.capacity,
        "inUse": load.in_use,
        "waiting": load.waiting,
        "newItems": depths["new"],
        "bakedNotCollected": depths["baked"],
    }
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        print(f"slots in use {load.in_use} of {load.capacity}; waiting {status['waiting']}")
        print(f"queues: new items {depths['new']}, baked and not collected {depths['baked']}")
    return 0


# --- watch and demo ---------------------------------------------------------------------------------------


def cmd_watch(args: argparse.Namespace) -> int:
    from pizza_place.live import watch

    return watch(_target(args), duration=args.duration, tty=not args.no_tty and sys.stdout.isatty())


def cmd_demo(args: argparse.Namespace) -> int:
    from pizza_place.demo import DemoSettings
    from pizza_place.live import run_demo

    settings = DemoSettings(duration=args.duration, seed=args.seed, orders_per_second=args.rate)
    return run_demo(
        settings,
        tty=not args.no_tty,
        state_dir=args.demo_dir,
        chaos=args.chaos,
        oven_capacity=args.oven_capacity,
        screenshot=args.screenshot,
    )


# --- main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except CliError as error:
        return _fail(error.message, error.exit_code)
    except (EndpointConnectionError, BotoConnectionError, urllib.error.URLError, ConnectionError) as error:
        return _fail(_unreachable(getattr(args, "target", None), error), NO_TARGET)
    except NoCredentialsError:
        return _fail("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", NO_TARGET)
    except NoRegionError:
        return _fail("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)", NO_TARGET)
    except ClientError as error:
        problem = error.response.get("Error", {})
        return _fail(f"AWS refused {error.operation_name}: {problem.get('Code')}: {problem.get('Message')}", REFUSED)
    except KeyboardInterrupt:
        return _fail("interrupted", INTERRUPTED)
    except Exception as error:  # a bug: still one line, and the traceback on request
        if os.environ.get("PIZZA_DEBUG"):
            raise
        return _fail(f"{type(error).__name__}: {error} (PIZZA_DEBUG=1 shows the traceback)", REFUSED)


def _fail(message: str, code: int) -> int:
    print(f"pizza: {message}", file=sys.stderr)
    return code


def _unreachable(target: Target | None, error: Exception) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if target is not None and target.is_local:
        return f"the local cloud at {target.endpoint} does not answer: start it with `make up`"
    return f"cannot reach the pizza place: {reason}"


if __name__ == "__main__":
    sys.exit(main())
