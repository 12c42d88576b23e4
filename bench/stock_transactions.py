"""stock: usage transactions (POST /transactions) from concurrent clients, on the local cloud.

Three runs, each client signing its requests (``pizza_stock.client``) and sending the next when the last is
answered; each transaction takes 1 to 3 units:

- ``apart``: ``--clients`` clients (16), each on its own ingredient: no contention, the service's own cost;
- ``shared``: the same clients on ``--ingredients`` ingredients (4), two at a time: some contention;
- ``one``: ``--crowd`` clients (64) on one ingredient: all contention;
- ``calls``: the orders of ``apart``, from as many threads of this process, through the service's own use case
  and DynamoDB adapter (``use_ingredients`` on ``DynamoDbPantry``): the calls a usage makes, without the
  gateway, the signed request and the function. What ``apart`` costs beyond it is the serverless plumbing.

Every ingredient holds ``--batches`` live batches (40) of 20,000 units in all: an ingredient's row holds its live
batches, so a usage reads and rewrites a row of that many entries (docs/decisions.md).

Figures (printed, and written to bench/results/stock_transactions.json), per run:
- ``<run>_transactions_per_s``: answered usage transactions per second;
- ``<run>_dynamodb_requests_per_transaction``: DynamoDB requests the emulator answered during the run, per
  transaction (a usage is one BatchGetItem and one TransactWriteItems when nothing gets in its way);
- ``<run>_conflicts_per_success``: TransactWriteItems beyond one per answered transaction, per 201 (another
  usage changed an ingredient first: the service re-read and re-planned, within the function's time);
- ``<run>_transaction_conflicts_per_success``: of those, the ones the cloud cancelled with
  ``TransactionConflict`` (another transaction on the item was in flight), per 201; the rest found a version
  that had moved (another usage committed first);
- ``<run>_transactions_per_s_vs_conditional_update_rate``: as a ratio to the baseline, the raw rate of
  conditional UpdateItems of the same emulator from as many clients (``bench/_baseline.py``), same run;
- ``<run>_answers_other_than_201_or_409``: must be 0 (contention is never an error);
- ``<run>_latency_p50_s``, ``_p99_s``, ``_max_s``: from a client's sending a transaction to its answer (with
  the wait for a free worker, when more clients than workers wait at the gateway);
- ``<run>_cpu_ms_per_transaction`` and its parts ``_cloud`` (this process: the clients, gateway, front, event
  sources), ``_engine`` (DynamoDB Local) and ``_functions`` (the workers), from ``/proc`` (``bench/_cpu.py``);
  ``<run>_cpu_per_transaction_vs_conditional_update``: as a ratio to the baseline's CPU per UpdateItem. On a
  machine whose cores are all busy, the rate ratio cannot beat the inverse of this one.

The API's function runs up to ``--concurrency`` workers (16): on Lambda, 16 clients each waiting for an answer
get 16 execution environments; the local cloud's own default (4) would make its workers the bottleneck.

Run: ``.venv/bin/python bench/stock_transactions.py [--clients 16] [--transactions 800] [--crowd 64]
[--batches 40] [--concurrency 16]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baseline import conditional_update_item
from _cloud import add_concurrency_option
from _cpu import PARTS, cpu_seconds, per_operation_ms
from _report import figure, percentile, report
from _stock_cloud import BASELINE_KEY, DynamoDBRequests, describe, stock_cloud

BATCHES_PER_INGREDIENT = 40
UNITS_PER_INGREDIENT = 20_000  # whatever --batches: the runs take the same units


def _baseline_name(clients: int) -> str:
    return f"conditional_update_rate_{clients}_client{'s' if clients > 1 else ''}"


def calls_alone(
    table: str, run: tuple[int, list[dict[str, int]]], base: dict[str, Any], requests: DynamoDBRequests
) -> dict[str, Any]:
    """The ``calls`` run: the orders of ``apart`` through ``use_ingredients`` on ``DynamoDbPantry`` (the
    function's own code and SDK settings), one thread and one DynamoDB client per lane, in this process."""
    import boto3

    from pizza_common.aws import client_config, function_timeout_secs
    from pizza_common.deadline import Deadline
    from pizza_stock.adapters.pantry import DynamoDbPantry
    from pizza_stock.domain import StockUsed, UsageItem, UseIngredients
    from pizza_stock.use_cases import use_ingredients

    clients, items = run
    lanes = [items[k::clients] for k in range(clients)]
    config = client_config(function_timeout_secs())
    pantries = [DynamoDbPantry(table, boto3.session.Session().client("dynamodb", config=config)) for _ in lanes]

    def use(order: dict[str, int], pantry: DynamoDbPantry) -> bool:
        command = UseIngredients(f"calls-{uuid.uuid4().hex}", tuple(UsageItem(t, q) for t, q in order.items()))
        used = use_ingredients(command, lambda: datetime.now(UTC), pantry, Deadline.after(30))
        return isinstance(used.answer, StockUsed)

    with ThreadPoolExecutor(max_workers=clients) as warming:  # each client's connection made before the clock
        list(warming.map(lambda lane, pantry: use(lane[0], pantry), lanes, pantries))
    with cpu_seconds() as spent, requests.counting() as counted, ThreadPoolExecutor(max_workers=clients) as pool:
        started = time.monotonic()
        used = [ok for lane in pool.map(lambda lane, p: [use(o, p) for o in lane], lanes, pantries) for ok in lane]
        elapsed = time.monotonic() - started
        operations = sum(counted.values())
    rate = len(used) / elapsed
    cpu = per_operation_ms(spent, len(used))
    return {
        "calls_transactions_per_s": figure(rate, "transactions/s"),
        "calls_transactions_per_s_vs_conditional_update_rate": figure(rate / base["value"], "ratio"),
        "calls_dynamodb_requests_per_transaction": figure(operations / len(used), "requests/transaction"),
        "calls_refused": figure(used.count(False), "transactions"),
        "calls_cpu_ms_per_transaction": figure(cpu["all"], "ms"),
        **{f"calls_cpu_ms_per_transaction_{part}": figure(cpu[part], "ms") for part in PARTS},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--transactions", type=int, default=800, help="transactions per run, shared by the clients")
    parser.add_argument("--ingredients", type=int, default=4, help="ingredients of the 'shared' run")
    parser.add_argument("--crowd", type=int, default=64, help="clients of the 'one' run")
    parser.add_argument(
        "--batches", type=int, default=BATCHES_PER_INGREDIENT, help="live batches per ingredient (its row's size)"
    )
    add_concurrency_option(parser, 16)
    args = parser.parse_args()

    import boto3

    from pizza_stock.client import StockClient

    apart = [f"apart-{n}" for n in range(args.clients)]
    shared = [f"shared-{n}" for n in range(args.ingredients)]
    requests = DynamoDBRequests().install()
    figures: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    timings: list[str] = []
    with tempfile.TemporaryDirectory() as state_dir, stock_cloud(state_dir, args.concurrency) as cloud:
        outputs = cloud.outputs["stock"]
        stock = StockClient.of(outputs, session=boto3.session.Session(), endpoint=cloud.endpoint, region=cloud.region)
        quantity = UNITS_PER_INGREDIENT // args.batches
        delivery = "".join(
            f"{type_id},{quantity},{(date.today() + timedelta(days=30 + batch)).isoformat()}\n"
            for batch in range(args.batches)
            for type_id in [*apart, *shared, "one"]
        )
        stock.deliver("bench.csv", delivery)
        stock.wait_for_report("bench.csv", timeout=600)

        for clients in sorted({1, args.clients, args.crowd}):
            measured = conditional_update_item(outputs["stock_table"], BASELINE_KEY, clients=clients)
            baseline[_baseline_name(clients)] = figure(measured.rate, "requests/s")
            baseline[f"{_baseline_name(clients)}_cpu_ms"] = figure(measured.cpu_ms.get("all", 0.0), "ms/request")

        rng = random.Random(7)

        def orders(count: int, pick: Any) -> list[dict[str, int]]:
            return [pick(n) for n in range(count)]

        runs = {
            "apart": (args.clients, orders(args.transactions, lambda n: {apart[n % len(apart)]: rng.randint(1, 3)})),
            "shared": (
                args.clients,
                orders(args.transactions, lambda n: {t: rng.randint(1, 3) for t in rng.sample(shared, 2)}),
            ),
            "one": (args.crowd, orders(args.transactions, lambda n: {"one": rng.randint(1, 3)})),
        }
        for run, (clients, items) in runs.items():
            # Client k sends orders k, k + clients, ...: in the 'apart' run each client keeps to its ingredient.
            lanes = [items[k::clients] for k in range(clients)]
            # Every client at once before the clock starts, so that as many workers as they keep busy are warm.
            with ThreadPoolExecutor(max_workers=clients) as warming:
                list(warming.map(lambda lane: stock.use(f"warm-{uuid.uuid4().hex}", lane[0]), lanes))

            resets: list[int] = []
            latencies: list[float] = []

            def place(
                lane: list[dict[str, int]], resets: list[int] = resets, latencies: list[float] = latencies
            ) -> list[int]:
                statuses = []
                for order in lane:
                    transaction_id = f"bench-{uuid.uuid4().hex}"
                    sent = time.monotonic()
                    while True:
                        try:
                            statuses.append(stock.use(transaction_id, order).status)
                            latencies.append(time.monotonic() - sent)
                            break
                        except OSError:  # the gateway dropped the connection: the same id again is safe
                            resets.append(1)
                return statuses

            front = cloud.emulator.dynamodb.counters
            conflicts_before = front.transaction_conflicts
            pool = ThreadPoolExecutor(max_workers=clients)
            with cpu_seconds() as spent, requests.counting() as counted, pool:
                started = time.monotonic()
                statuses = [status for lane in pool.map(place, lanes) for status in lane]
                elapsed = time.monotonic() - started
                operations = dict(counted)
                engine_conflicts = front.transaction_conflicts - conflicts_before
                timings.append(f"{run}: {describe(requests)}")
            answers = Counter(statuses)
            answered, successes = len(statuses), answers[201]
            rate = answered / elapsed
            commits = operations.get("TransactWriteItems", 0)
            base = baseline[_baseline_name(clients)]["value"]
            cpu = per_operation_ms(spent, answered)
            base_cpu = baseline[f"{_baseline_name(clients)}_cpu_ms"]["value"]
            figures |= {
                f"{run}_clients": figure(clients, "clients"),
                f"{run}_transactions_per_s": figure(rate, "transactions/s"),
                f"{run}_dynamodb_requests_per_transaction": figure(
                    sum(operations.values()) / answered, "requests/transaction"
                ),
                f"{run}_conflicts_per_success": figure(
                    max(0, commits - successes) / max(1, successes), "conflicts/201"
                ),
                f"{run}_transaction_conflicts_per_success": figure(
                    engine_conflicts / max(1, successes), "TransactionConflict/201"
                ),
                f"{run}_transactions_per_s_vs_conditional_update_rate": figure(rate / base, "ratio"),
                f"{run}_answers_other_than_201_or_409": figure(answered - successes - answers[409], "answers"),
                **{
                    f"{run}_latency_{name}_s": figure(percentile(latencies, fraction), "s")
                    for name, fraction in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))
                },
                f"{run}_connections_dropped_by_the_gateway": figure(len(resets), "requests"),
                f"{run}_cpu_ms_per_transaction": figure(cpu["all"], "ms"),
                **{f"{run}_cpu_ms_per_transaction_{part}": figure(cpu[part], "ms") for part in PARTS},
                f"{run}_cpu_per_transaction_vs_conditional_update": figure(cpu["all"] / max(base_cpu, 1e-9), "ratio"),
            }
            if answered - successes - answers[409]:
                print(f"warning: {run}: answers other than 201 and 409: {dict(answers)}")

        figures |= calls_alone(outputs["stock_table"], runs["apart"], baseline[_baseline_name(args.clients)], requests)

    report(
        "stock_transactions",
        f"stock transactions: {args.transactions} per run, {args.concurrency} workers; "
        f"DynamoDB requests ({'; '.join(timings)})",
        figures,
        baseline,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
