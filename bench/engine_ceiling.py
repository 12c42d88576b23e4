"""The engine's own ceiling: what DynamoDB Local alone allows a stock usage and a reservation, against its raw
conditional UpdateItem rate.

The stock and reservations targets (issues 11 and 13) are ratios to the emulator's conditional UpdateItem rate.
This script asks how far the engine itself lets a service go, with no code of this repo in the path: it runs the
service's own use case once to capture the exact DynamoDB requests it makes (a botocore hook), then replays those
requests as raw HTTP straight to DynamoDB Local (no front, no botocore, no gateway, no function, no signing) from
as many processes as clients (no GIL between them), and compares with conditional UpdateItems sent the same way.
A ratio here is an upper bound for the service: everything the service adds only lowers it.

Figures (printed, and written to bench/results/engine_ceiling.json):
- ``stock_usage_per_s`` and ``_vs_update_rate``: ``--clients`` processes, each on its own ingredient (a row of
  ``--batches`` live batches): the usage's consistent BatchGetItem and TransactWriteItems (the ingredient's
  update with the transaction's record), as the service sends them;
- ``stock_read_and_update_per_s`` and ratio: the same read, then the ingredient's update as a plain conditional
  UpdateItem (no transaction, no record): what a usage without the all-or-nothing transaction could reach;
- ``reservation_per_s`` and ratio: ``--crowd`` processes on ONE item: the reservation's record read, the gate's
  conditional UpdateItem and the transaction of the event with its record, as the service sends them;
- ``reservation_without_read_per_s`` and ratio: the gate and the transaction only;
- ``reservation_gate_and_event_put_per_s`` and ratio: the gate, then the event alone as a conditional PutItem (no
  record, no transaction): a lower bound of any design writing an event beside its take;
- ``reservation_gate_alone_per_s`` and ratio: the gate's UpdateItem alone: a design whose one write is the take;
- ``*_engine_cpu_ms``: DynamoDB Local's CPU per operation (``/proc``);
- baseline ``update_rate_<n>_processes`` and ``_engine_cpu_ms``: ``ADD n :one IF n < :big``, one item per process.

Run: ``.venv/bin/python bench/engine_ceiling.py [--clients 16] [--crowd 64] [--batches 40] [--seconds 8]``.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cpu import _seconds
from _report import figure, report

# DynamoDB Local checks that a request is signed in the SigV4 shape, not the signature itself.
_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
)


class Engine:
    """Raw DynamoDB requests over one keep-alive connection."""

    def __init__(self, endpoint: str) -> None:
        host, port = endpoint.split("//", 1)[1].split(":")
        self.connection = http.client.HTTPConnection(host, int(port))

    def call(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        headers = {
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": _AUTHORIZATION,
        }
        self.connection.request("POST", "/", body=json.dumps(body), headers=headers)
        answer = self.connection.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")


def capture(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """The requests ``client`` sends from now on, as (operation, body)."""
    captured: list[tuple[str, dict[str, Any]]] = []

    def note(request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target")
        target = target.decode() if isinstance(target, bytes) else target
        captured.append((target.rsplit(".", 1)[1], json.loads(request.body)))

    client.meta.events.register("before-send.dynamodb.*", note)
    return captured


# --- the loops each process runs (module level: spawned processes import them) ------------------------------


def _loop(step: Any, start: Any, results: Any) -> None:
    ready, go, seconds = start
    ready.release()
    go.wait()
    done = failed = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if step():
            done += 1
        else:
            failed += 1
    results.put((done, failed))


def updates(endpoint: str, table: str, key: dict[str, Any], start: Any, results: Any) -> None:
    engine = Engine(endpoint)
    body = {
        "TableName": table,
        "Key": key,
        "UpdateExpression": "ADD n :one",
        "ConditionExpression": "attribute_not_exists(n) OR n < :big",
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":big": {"N": "1000000000"}},
    }
    _loop(lambda: engine.call("UpdateItem", body)[0] == 200, start, results)


def usages(endpoint: str, calls: list[Any], ingredient: str, plain: bool, start: Any, results: Any) -> None:
    """The usage's calls on ``ingredient``: its read, then its transaction (or, ``plain``, the ingredient's
    update alone) at the version read, taking one unit from one of its batches."""
    engine = Engine(endpoint)
    (_, read), (_, transaction) = calls
    read = json.loads(json.dumps(read).replace('"ingredient-0"', json.dumps(ingredient)))
    table = next(iter(read["RequestItems"]))
    items = transaction["TransactItems"]
    update = next(action["Update"] for action in items if "Update" in action)
    update["Key"]["pk"]["S"] = ingredient

    def step() -> bool:
        row = engine.call("BatchGetItem", read)[1]["Responses"][table][0]
        batch = update["ExpressionAttributeNames"]["#b0"] = min(row["batches"]["M"])  # one of this ingredient's
        version = int(row["version"]["N"])
        quantity, best_before = row["batches"]["M"][batch]["L"]
        values = update["ExpressionAttributeValues"]
        values[":read"], values[":next"] = {"N": str(version)}, {"N": str(version + 1)}
        values[":b0"] = {"L": [{"N": str(int(quantity["N"]) - 1)}, best_before]}
        if plain:
            plain_update = {k: v for k, v in update.items() if k != "ReturnValuesOnConditionCheckFailure"}
            return engine.call("UpdateItem", plain_update)[0] == 200
        for action in items:
            if "Put" in action:
                action["Put"]["Item"]["pk"]["S"] = f"TRANSACTION#{uuid.uuid4().hex}"
        transaction["ClientRequestToken"] = str(uuid.uuid4())
        return engine.call("TransactWriteItems", transaction)[0] == 200

    _loop(step, start, results)


def reservations(endpoint: str, calls: list[Any], variant: str, start: Any, results: Any) -> None:
    """The reservation's calls, with a new reservation id each time and the event at the version the gate gave:
    ``variant`` is ``service`` (read, gate, transaction), ``no_read``, ``event_put`` (gate, then the event alone
    as a PutItem) or ``gate`` (the gate's UpdateItem alone)."""
    engine = Engine(endpoint)
    (_, read), (_, gate), (_, transaction) = calls
    captured_id = read["Key"]["pk"]["S"].split("#", 1)[1]

    def step() -> bool:
        reservation_id = f"r-{uuid.uuid4().hex}"
        if variant == "service":
            engine.call("GetItem", {**read, "Key": {"pk": {"S": f"RESERVATION#{reservation_id}"}}})
        status, taken = engine.call("UpdateItem", gate)
        if status != 200 or variant == "gate":
            return status == 200
        version = taken["Attributes"]["seq"]["N"]
        text = json.dumps(transaction).replace(captured_id, reservation_id)
        actions = json.loads(text)["TransactItems"]
        event = next(a["Put"] for a in actions if a["Put"]["Item"].get("type"))
        event["Item"]["sk"] = {"N": version}
        if variant == "event_put":
            put = {k: v for k, v in event.items() if k != "ReturnValuesOnConditionCheckFailure"}
            return engine.call("PutItem", put)[0] == 200
        for action in actions:
            if "version" in action["Put"]["Item"]:
                action["Put"]["Item"]["version"] = {"N": version}
        return (
            engine.call("TransactWriteItems", {"TransactItems": actions, "ClientRequestToken": str(uuid.uuid4())})[0]
            == 200
        )

    _loop(step, start, results)


def race(engine_pid: int, target: Any, arguments: list[tuple[Any, ...]], seconds: float) -> tuple[float, float]:
    """Runs ``target`` in one process per argument tuple, all starting together and stopping ``seconds`` later;
    returns (operations a second, DynamoDB Local's CPU ms per operation)."""
    context = multiprocessing.get_context("spawn")
    results, ready, go = context.Queue(), context.Semaphore(0), context.Event()
    processes = [context.Process(target=target, args=(*args, (ready, go, seconds), results)) for args in arguments]
    for process in processes:
        process.start()
    for _ in processes:  # every process has imported and connected
        ready.acquire()
    before = _seconds(engine_pid)
    go.set()
    counted = [results.get() for _ in processes]
    spent = _seconds(engine_pid) - before
    for process in processes:
        process.join()
    done, failed = sum(d for d, _ in counted), sum(f for _, f in counted)
    if failed:
        print(f"  ({target.__name__}: {failed} calls refused)")
    return done / seconds, spent * 1000 / max(1, done)


def stock_ceiling(args: argparse.Namespace, figures: dict[str, Any], baseline: dict[str, Any]) -> None:
    import boto3
    from _stock_cloud import stock_cloud

    from pizza_common.aws import client_config
    from pizza_common.deadline import Deadline
    from pizza_stock.adapters.pantry import DynamoDbPantry
    from pizza_stock.client import StockClient
    from pizza_stock.domain import UsageItem, UseIngredients
    from pizza_stock.use_cases import use_ingredients

    ingredients = [f"ingredient-{n}" for n in range(args.clients)]
    with tempfile.TemporaryDirectory() as state_dir, stock_cloud(state_dir) as cloud:
        outputs = cloud.outputs["stock"]
        stock = StockClient.of(outputs, session=boto3.session.Session(), endpoint=cloud.endpoint, region=cloud.region)
        stock.deliver(
            "ceiling.csv",
            "".join(
                f"{ingredient},500,{(date.today() + timedelta(days=30 + batch)).isoformat()}\n"
                for batch in range(args.batches)
                for ingredient in ingredients
            ),
        )
        stock.wait_for_report("ceiling.csv", timeout=900)
        client = boto3.session.Session().client("dynamodb", config=client_config(30))
        calls = capture(client)
        command = UseIngredients(f"ceiling-{uuid.uuid4().hex}", (UsageItem(ingredients[0], 1),))
        use_ingredients(
            command, lambda: datetime.now(UTC), DynamoDbPantry(outputs["stock_table"], client), Deadline.after(30)
        )
        print("a usage's calls:", ", ".join(operation for operation, _ in calls))
        assert [operation for operation, _ in calls] == ["BatchGetItem", "TransactWriteItems"], calls

        engine, pid = cloud.emulator.engine.endpoint, cloud.emulator.engine.pid
        name = f"update_rate_{args.clients}_processes"
        keys = [{"pk": {"S": f"BENCH#{n}"}, "sk": {"S": "COUNTER"}} for n in range(args.clients)]
        rate, cpu = race(pid, updates, [(engine, outputs["stock_table"], key) for key in keys], args.seconds)
        baseline[name], baseline[f"{name}_engine_cpu_ms"] = figure(rate, "requests/s"), figure(cpu, "ms/request")
        for label, plain in (("stock_usage", False), ("stock_read_and_update", True)):
            usage_rate, usage_cpu = race(pid, usages, [(engine, calls, i, plain) for i in ingredients], args.seconds)
            figures[f"{label}_per_s"] = figure(usage_rate, "usages/s")
            figures[f"{label}_per_s_vs_update_rate"] = figure(usage_rate / rate, "ratio")
            figures[f"{label}_engine_cpu_ms"] = figure(usage_cpu, "ms/usage")


def reservations_ceiling(args: argparse.Namespace, figures: dict[str, Any], baseline: dict[str, Any]) -> None:
    import boto3
    from reservations_hot_item import Ports, reservations_cloud, stock

    from pizza_common.deadline import Deadline
    from pizza_reservations import use_cases
    from pizza_reservations.domain.model import Reserve

    with tempfile.TemporaryDirectory() as state_dir, reservations_cloud(state_dir) as cloud:
        outputs = cloud.outputs["reservations"]
        ports = Ports(outputs, naive=False)
        for _ in range(3):  # units enough for every run (an adjustment adds at most 1,000,000)
            stock(ports, "hot", 1_000_000)
        found = ports.get()
        client = boto3.session.Session().client("dynamodb")
        calls = capture(client)
        found = {**found, **Ports(outputs, naive=False)._make(client)}
        command = Reserve(reservation_id=f"ceiling-{uuid.uuid4().hex}", item_id="hot", quantity=1, hold_seconds=3600)
        use_cases.reserve(command, **found, now=lambda: datetime.now(UTC), deadline=Deadline.after(25))
        print("a reservation's calls:", ", ".join(operation for operation, _ in calls))
        assert [operation for operation, _ in calls] == ["GetItem", "UpdateItem", "TransactWriteItems"], calls

        engine, pid = cloud.emulator.engine.endpoint, cloud.emulator.engine.pid
        name = f"update_rate_{args.crowd}_processes"
        keys = [{"pk": {"S": f"BENCH#{n}"}} for n in range(args.crowd)]
        rate, cpu = race(pid, updates, [(engine, outputs["gates_table"], key) for key in keys], args.seconds)
        baseline[name], baseline[f"{name}_engine_cpu_ms"] = figure(rate, "requests/s"), figure(cpu, "ms/request")
        for label, variant in (
            ("reservation", "service"),
            ("reservation_without_read", "no_read"),
            ("reservation_gate_and_event_put", "event_put"),
            ("reservation_gate_alone", "gate"),
        ):
            arguments = [(engine, copy.deepcopy(calls), variant)] * args.crowd
            reserved, reserved_cpu = race(pid, reservations, arguments, args.seconds)
            figures[f"{label}_per_s"] = figure(reserved, "reservations/s")
            figures[f"{label}_per_s_vs_update_rate"] = figure(reserved / rate, "ratio")
            figures[f"{label}_engine_cpu_ms"] = figure(reserved_cpu, "ms/reservation")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="processes in the stock runs, an ingredient each")
    parser.add_argument("--crowd", type=int, default=64, help="processes in the reservation runs, all on one item")
    parser.add_argument("--batches", type=int, default=40, help="live batches per ingredient (its row's size)")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each run")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    stock_ceiling(args, figures, baseline)
    reservations_ceiling(args, figures, baseline)
    report("engine_ceiling", "DynamoDB Local's own ceiling for a usage and a reservation", figures, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
