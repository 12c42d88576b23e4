"""reservations: latency, a hot item under 64 clients (naive append vs the chosen strategy), many items, long histories.

Figures (printed, and written to bench/results/reservations_hot_item.json):
- ``latency_p50_ms`` / ``latency_p99_ms``: one client, POST /reservations through the local gateway (signed);
- ``latency_without_transaction_hold_p50_ms`` / ``_p99_ms``: the same client with the local cloud's transaction
  hold (20 ms: the window in which overlapping transactions conflict) set to 0: the service's own latency;
- ``latency_*``: where one reservation's time goes: DynamoDB calls per reservation and the time the emulator
  spent answering them, a GET that makes one GetItem through the same gateway (the floor of gateway, worker
  and signing), one GetItem from here through the cloud's endpoint (its DynamoDB front) and straight to
  DynamoDB Local, and the client's SigV4 signing;
- per strategy, 64 clients on ONE item (in-process use cases against the emulator, so 64 writers really race,
  more than the gateway's workers): ``*_reservations_per_s``, ``*_writes_per_success`` (PutItem, UpdateItem,
  TransactWriteItems, BatchWriteItem answered by the emulator), ``*_reads_per_success``,
  ``*_conflicts_per_success`` (appends that lost their version), ``*_oversold`` (must be 0);
  ``naive`` is optimistic concurrency as the issue describes it: read the snapshot and tail, append at the next
  version, on a lost race read again and retry at once; ``chosen`` (the service's) takes units and a version from
  the item's gate (one conditional UpdateItem, no read) and writes the event there with its record;
- ``gateway_64_clients_*``: the same race through the gateway, as shoppers make it (warm workers, 64 clients
  racing for one item with ``--reservations`` units, ``--clients`` more requests than units): reservations per
  second and its ratio to the 64-client baseline, writes per success, answers other than 201 or 409 (must be 0),
  units oversold (must be 0), and
  ``gateway_64_clients_cpu_ms_per_reservation`` with its parts ``_cloud``, ``_engine``, ``_functions`` (CPU time
  per reservation from ``/proc``, ``bench/_cpu.py``) and its ratio to the baseline's CPU per UpdateItem;
- ``many_items_reservations_per_s`` and ``many_items_writes_per_success``: 64 clients on 64 items;
- ``long_history_p50_ms`` / ``short_history_p50_ms`` and their ratio: an item with 10,000 events (and its
  snapshot) against one with 10, one client through the gateway;
- baseline: the emulator's raw conditional UpdateItem rate at 1 and 64 clients, measured in the same run.

The API's function runs up to ``--concurrency`` workers (16), as Lambda gives concurrent requests execution
environments of their own; the local cloud's own default (4) would make its workers the bottleneck.

Run: ``.venv/bin/python bench/reservations_hot_item.py [--reservations 640] [--latency 300] [--concurrency 16]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baseline import conditional_update_item
from _cloud import add_concurrency_option, concurrency_options, point_this_process_at
from _cpu import PARTS, cpu_seconds, per_operation_ms
from _report import figure, report
from _stock_cloud import DynamoDBRequests

# The naive append retries at once (a millisecond's jitter at most) and re-reads the tail after every lost race.
NAIVE_PAUSE_SECS = 0.001
WRITES = ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem", "DeleteItem")
READS = ("GetItem", "Query", "BatchGetItem", "Scan")


@contextmanager
def reservations_cloud(state_dir: str, concurrency: int | None = None) -> Any:
    """A LocalCloud with the shared and reservations stacks, no event sources (only the synchronous path is
    measured). ``concurrency``: workers per function (default: the local cloud's own)."""
    from localcloud.cloud import LocalCloud
    from pizza_place.shared_stack import stack as shared_stack
    from pizza_reservations.stack import stack

    options = concurrency_options(concurrency)
    with LocalCloud([shared_stack(), stack()], state_dir=state_dir, start_sources=False, **options) as cloud:
        point_this_process_at(cloud)
        yield cloud


class Ports:
    """The service's own adapters, one set per thread (boto3 clients are not shared across threads here)."""

    def __init__(self, outputs: dict[str, str], naive: bool, read_first: bool = True) -> None:
        import boto3

        from pizza_reservations.adapters.event_store import DynamoDbEventStore
        from pizza_reservations.adapters.requests import DynamoDbRequests
        from pizza_reservations.adapters.snapshots import DynamoDbSnapshots

        self.outputs, self.naive, self._local = outputs, naive, threading.local()
        self._make = lambda client: {
            "store": DynamoDbEventStore(
                outputs["events_table"], outputs["requests_table"], outputs["gates_table"], client
            ),
            "requests": (lambda r: r if read_first else NoReadFirst(r))(
                DynamoDbRequests(outputs["requests_table"], client)
            ),
            "snapshots": DynamoDbSnapshots(outputs["snapshots_table"], client),
        }
        self._boto3 = boto3

    def get(self) -> dict[str, Any]:
        if not hasattr(self._local, "ports"):
            self._local.ports = self._make(self._boto3.session.Session().client("dynamodb"))
        return self._local.ports


class NoReadFirst:
    """The gate without the record read before the take (the variant the decision weighs): the first lookup of a
    reservation id answers "unknown" without a call; a replay is then found by its failed claim (and voids the
    version it took)."""

    def __init__(self, requests: Any) -> None:
        self.requests, self.seen = requests, set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.requests, name)

    def reservation(self, reservation_id: str) -> Any:
        if reservation_id not in self.seen:
            self.seen.add(reservation_id)
            return None
        return self.requests.reservation(reservation_id)


def naive_reserve(command: Any, ports: dict[str, Any], deadline: Any) -> tuple[str, int]:
    """Optimistic concurrency with no gate: fold, append at the next version, on a lost race read and retry."""
    from pizza_common.deadline import full_jitter
    from pizza_reservations import use_cases
    from pizza_reservations.domain.model import NotEnough, ReservationRecord, ReservationStatus, decide_reserve
    from pizza_reservations.ports import Appended, Claim, ClaimTaken

    store, requests, conflicts = ports["store"], ports["requests"], 0
    while not deadline.expired:
        state = use_cases.load_state(command.item_id, store=store, snapshots=ports["snapshots"])
        moment = datetime.now(UTC)
        decision = decide_reserve(state, command, moment)
        if isinstance(decision, NotEnough):
            refused = ReservationRecord(
                command.reservation_id, command.item_id, command.quantity, command.hold_seconds,
                ReservationStatus.REFUSED, created_at=moment, available=decision.available,
            )  # fmt: skip
            requests.record_refusal(refused)
            return "Refused", conflicts
        record = ReservationRecord(
            command.reservation_id, command.item_id, command.quantity, command.hold_seconds,
            ReservationStatus.HELD, created_at=moment, expires_at=decision.expires_at, version=decision.version,
        )  # fmt: skip
        outcome = store.append(decision, claim=Claim(record))
        if isinstance(outcome, Appended | ClaimTaken):
            return "Granted", conflicts
        conflicts += 1
        time.sleep(full_jitter(0, base=NAIVE_PAUSE_SECS, cap=NAIVE_PAUSE_SECS))
    return "Contended", conflicts


def stock_naive(ports: Ports, item: str, units: int) -> None:
    """The naive item's supply, appended at version 1 with no gate (the naive writers never use one)."""
    from pizza_reservations.domain.events import Adjusted

    adjusted = Adjusted(
        item_id=item, version=1, at=datetime.now(UTC), adjustment_id=f"bench-{item}", delta=units, reason="bench"
    )
    ports.get()["store"].append(adjusted)


def stock(ports: Ports, item: str, units: int) -> None:
    from pizza_common.deadline import Deadline
    from pizza_reservations import use_cases
    from pizza_reservations.domain.model import AdjustItem

    use_cases.adjust(
        AdjustItem(item_id=item, adjustment_id=f"bench-{uuid.uuid4().hex}", delta=units, reason="bench"),
        **ports.get(),
        now=lambda: datetime.now(UTC),
        deadline=Deadline.unbounded(),
    )


def race(ports: Ports, items: list[str], clients: int, reservations: int, requests: DynamoDBRequests) -> dict[str, Any]:
    """``reservations`` of one unit each from ``clients`` threads, spread over ``items``; returns the counts."""
    from pizza_common.deadline import Deadline
    from pizza_reservations import use_cases
    from pizza_reservations.domain.model import Reserve

    def one(number: int) -> tuple[str, int]:
        command = Reserve(
            reservation_id=f"bench-{uuid.uuid4().hex}",
            item_id=items[number % len(items)],
            quantity=1,
            hold_seconds=3600,
        )
        if ports.naive:
            return naive_reserve(command, ports.get(), Deadline.after(25))
        try:  # the API function's deadline: 29 s less its margin
            outcome = use_cases.reserve(
                command, **ports.get(), now=lambda: datetime.now(UTC), deadline=Deadline.after(25)
            )
        except use_cases.Contended:
            return "Contended", 0  # the API answers 503 (Retry-After): a client that starved
        return type(outcome).__name__, getattr(outcome, "conflicts", 0)

    with requests.counting() as counted, ThreadPoolExecutor(max_workers=clients) as pool:
        started = time.monotonic()
        answers = list(pool.map(one, range(reservations)))
        elapsed = time.monotonic() - started
        operations = Counter(counted)
    kinds = Counter(kind for kind, _ in answers)
    granted = kinds["Granted"]
    return {
        "granted": granted,
        "refused": kinds["Refused"],
        "gave_up": kinds["Contended"],
        "rate": granted / elapsed,
        "writes": sum(operations[o] for o in WRITES),
        "reads": sum(operations[o] for o in READS),
        "conflicts": sum(conflicts for _, conflicts in answers),
    }


def held_units(ports: Ports, item: str) -> int:
    from pizza_reservations import use_cases

    state = use_cases.load_state(item, store=ports.get()["store"], snapshots=ports.get()["snapshots"])
    return state.held(datetime.now(UTC)) + state.sold


def latencies(client: Any, item: str, count: int, ports: Ports | None = None) -> list[float]:
    """Sequential reservations through the gateway. The event sources are off here, so every 25 the bench
    takes the item's snapshot itself, as the snapshot consumer would (else the tail only grows)."""
    from pizza_reservations import use_cases

    measured = []
    for number in range(count):
        if ports is not None and number % 25 == 0:
            found = ports.get()
            found["snapshots"].put(use_cases.load_state(item, store=found["store"], snapshots=found["snapshots"]))
        started = time.perf_counter()
        answer = client.reserve(f"bench-{uuid.uuid4().hex}", item, 1, 3600)
        measured.append((time.perf_counter() - started) * 1000)
        assert answer.status == 201, answer.json()
    return measured


def long_history(ports: Ports, outputs: dict[str, str], item: str, events: int) -> None:
    """``events`` adjustments written straight into the events table, and their snapshot (as the snapshot
    consumer would leave it): building them through the API would take minutes and measure nothing new."""
    import boto3

    from pizza_common.dynamodb import batch_write
    from pizza_reservations.adapters.event_store import event_item
    from pizza_reservations.domain.events import Adjusted
    from pizza_reservations.domain.model import ItemState, fold

    at = datetime.now(UTC) - timedelta(hours=1)
    history = [
        Adjusted(item_id=item, version=v, at=at, adjustment_id=f"{item}-{v}", delta=100, reason="bench")
        for v in range(1, events + 1)
    ]
    batch_write(boto3.client("dynamodb"), outputs["events_table"], puts=[event_item(e) for e in history])
    ports.get()["snapshots"].put(fold(history, ItemState(item)))


def in_process(ports: Ports, item: str, count: int) -> list[float]:
    """Sequential reservations from one writer in this process (a snapshot every 25, as in ``latencies``)."""
    from pizza_common.deadline import Deadline
    from pizza_reservations import use_cases
    from pizza_reservations.domain.model import Reserve

    measured = []
    for number in range(count):
        if number % 25 == 0:
            found = ports.get()
            found["snapshots"].put(use_cases.load_state(item, store=found["store"], snapshots=found["snapshots"]))
        command = Reserve(reservation_id=f"bench-{uuid.uuid4().hex}", item_id=item, quantity=1, hold_seconds=3600)
        started = time.perf_counter()
        if ports.naive:
            naive_reserve(command, ports.get(), Deadline.after(25))
        else:
            use_cases.reserve(command, **ports.get(), now=lambda: datetime.now(UTC), deadline=Deadline.after(25))
        measured.append((time.perf_counter() - started) * 1000)
    return measured


def latency_floor(client: Any, outputs: dict[str, str], cloud: Any, count: int) -> dict[str, Any]:
    """The floor under one reservation: a GET answered after one GetItem through the same gateway and worker, one
    GetItem from here through the cloud's endpoint (its DynamoDB front) and straight to DynamoDB Local, and the
    client's SigV4 signing of a reservation's request."""
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    def p50(call: Any) -> float:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    key = {"pk": {"S": "RESERVATION#nobody"}}
    front = boto3.client("dynamodb")
    engine = getattr(getattr(cloud.emulator, "engine", None), "endpoint", None)
    direct = boto3.client("dynamodb", endpoint_url=engine) if engine else None
    table = outputs["requests_table"]
    body = b'{"reservationId": "r-0123456789", "itemId": "cola", "quantity": 1, "holdSeconds": 600}'
    credentials = boto3.session.Session().get_credentials()

    def sign() -> None:
        request = AWSRequest("POST", outputs["reservations_api_url"] + "reservations", data=body)
        SigV4Auth(credentials, "lambda", cloud.region).add_auth(request)

    figures = {
        "latency_gateway_get_p50_ms": figure(p50(lambda: client.reservation("nobody")), "ms"),
        "latency_getitem_via_front_p50_ms": figure(
            p50(lambda: front.get_item(TableName=table, Key=key, ConsistentRead=True)), "ms"
        ),
        "latency_sigv4_sign_p50_ms": figure(p50(sign), "ms"),
    }
    if direct is not None:  # DynamoDB Local knows the same tables (-sharedDb)
        figures["latency_getitem_direct_p50_ms"] = figure(
            p50(lambda: direct.get_item(TableName=table, Key=key, ConsistentRead=True)), "ms"
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--reservations", type=int, default=640, help="per hot-item run")
    parser.add_argument("--latency", type=int, default=300, help="sequential reservations for the latency")
    parser.add_argument("--history", type=int, default=10_000, help="events of the long-history item")
    add_concurrency_option(parser, 16)
    args = parser.parse_args()

    from pizza_common.signed_http import SignedHttp
    from pizza_reservations.client import ReservationsClient

    requests = DynamoDBRequests().install()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as state_dir, reservations_cloud(state_dir, args.concurrency) as cloud:
        outputs = cloud.outputs["reservations"]
        client = ReservationsClient(SignedHttp(outputs["reservations_api_url"], region=cloud.region, timeout=120))
        baseline_key = {"pk": {"S": "BENCH#baseline"}}
        baseline_one = conditional_update_item(outputs["requests_table"], baseline_key, clients=1)
        baseline_many = conditional_update_item(outputs["requests_table"], baseline_key, clients=args.clients)
        chosen = Ports(outputs, naive=False)

        print("one client through the gateway", flush=True)
        # one client through the gateway, and where its time goes
        lone = f"lone-{uuid.uuid4().hex[:8]}"
        stock(chosen, lone, 2 * args.latency + 50)
        latencies(client, lone, 20, chosen)  # warm workers
        with requests.counting() as counted:
            measured = sorted(latencies(client, lone, args.latency, chosen))
            calls = Counter(counted)
            seconds = dict(requests.seconds)
        figures["latency_p50_ms"] = figure(statistics.median(measured), "ms")
        figures["latency_p99_ms"] = figure(measured[int(0.99 * (len(measured) - 1))], "ms")
        snapshot_calls = 2 * (args.latency // 25 + 1)  # the bench's own snapshot every 25 (GetItem + PutItem)
        figures["latency_dynamodb_calls_per_reservation"] = figure(
            (sum(calls.values()) - snapshot_calls) / args.latency, "calls"
        )
        figures["latency_dynamodb_ms_per_reservation"] = figure(
            1000 * sum(seconds[o] for o in ("GetItem", "UpdateItem", "TransactWriteItems")) / args.latency, "ms"
        )
        per_call = {o: f"{1000 * seconds[o] / n:.1f} ms" for o, n in calls.items()}
        print("  calls:", dict(calls), "mean time in the emulator:", per_call, flush=True)
        for operation in ("GetItem", "UpdateItem", "TransactWriteItems"):
            if calls[operation]:
                figures[f"latency_{operation}_mean_ms"] = figure(1000 * seconds[operation] / calls[operation], "ms")
        figures.update(latency_floor(client, outputs, cloud, args.latency))
        # The same client with the harsh cloud's transaction hold at 0 (the window in which it makes overlapping
        # transactions conflict, not a latency AWS documents): what the service itself costs.
        settings = cloud.emulator.dynamodb_settings
        held, settings.transaction_hold_seconds = settings.transaction_hold_seconds, 0.0
        unheld = sorted(latencies(client, lone, args.latency, chosen))
        settings.transaction_hold_seconds = held
        figures["latency_without_transaction_hold_p50_ms"] = figure(statistics.median(unheld), "ms")
        figures["latency_without_transaction_hold_p99_ms"] = figure(unheld[int(0.99 * (len(unheld) - 1))], "ms")

        print("one writer in process, each strategy", flush=True)
        # the same sequential reservations in this process, naive (before the gate) and chosen: no gateway
        unread = Ports(outputs, naive=False, read_first=False)
        for name, ports in (("naive", Ports(outputs, naive=True)), ("chosen", chosen), ("no_read_first", unread)):
            item = f"seq-{name.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
            (stock_naive if ports.naive else stock)(ports, item, args.latency + 50)
            with requests.counting() as counted:
                times = sorted(in_process(ports, item, args.latency))
                operations = Counter(counted)
            figures[f"{name}_one_writer_p50_ms"] = figure(statistics.median(times), "ms")
            figures[f"{name}_one_writer_calls_per_reservation"] = figure(
                (sum(operations.values()) - 2 * (args.latency // 25 + 1)) / args.latency, "calls"
            )

        print("64 clients on one item, each strategy", flush=True)
        # 64 clients on one item, each strategy, on a fresh item with exactly enough units
        for name, ports in (("naive", Ports(outputs, naive=True)), ("chosen", chosen), ("no_read_first", unread)):
            item = f"hot-{name.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
            (stock_naive if ports.naive else stock)(ports, item, args.reservations)
            result = race(ports, [item], args.clients, args.reservations + args.clients, requests)
            granted = max(result["granted"], 1)
            figures[f"{name}_reservations_per_s"] = figure(result["rate"], "reservations/s")
            figures[f"{name}_writes_per_success"] = figure(result["writes"] / granted, "writes/success")
            figures[f"{name}_reads_per_success"] = figure(result["reads"] / granted, "reads/success")
            figures[f"{name}_conflicts_per_success"] = figure(result["conflicts"] / granted, "conflicts/success")
            figures[f"{name}_oversold"] = figure(max(0, held_units(ports, item) - args.reservations), "units")
            figures[f"{name}_granted_of_supply"] = figure(result["granted"] / args.reservations, "ratio")
            figures[f"{name}_starved_503"] = figure(result["gave_up"], "requests")
            print(f"  {name}: {result}", flush=True)
        for name in ("naive", "chosen", "no_read_first"):
            figures[f"{name}_reservations_per_s_vs_conditional_update_rate"] = figure(
                figures[f"{name}_reservations_per_s"]["value"] / baseline_many.rate, "ratio"
            )

        print("the same race through the gateway", flush=True)

        # The same race as a shopper sees it: signed POST /reservations through the gateway, the API function
        # running up to --concurrency workers, all of them warm before the clock starts (a first race starts them).
        def gateway_race(item: str, count: int) -> tuple[list[int], float]:
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                started = time.monotonic()
                statuses = list(
                    pool.map(lambda _: client.reserve(f"bench-{uuid.uuid4().hex}", item, 1, 3600).status, range(count))
                )
                return statuses, time.monotonic() - started

        warm_item = f"warm-gateway-{uuid.uuid4().hex[:6]}"
        stock(chosen, warm_item, 4 * args.clients)
        gateway_race(warm_item, 4 * args.clients)
        gateway_item = f"hot-gateway-{uuid.uuid4().hex[:6]}"
        stock(chosen, gateway_item, args.reservations)
        with cpu_seconds() as spent, requests.counting() as counted:
            statuses, elapsed = gateway_race(gateway_item, args.reservations + args.clients)
            operations = Counter(counted)
        granted = statuses.count(201)
        gateway_rate = granted / elapsed
        figures["gateway_64_clients_reservations_per_s"] = figure(gateway_rate, "reservations/s")
        figures["gateway_64_clients_reservations_per_s_vs_conditional_update_rate"] = figure(
            gateway_rate / baseline_many.rate, "ratio"
        )
        figures["gateway_64_clients_writes_per_success"] = figure(
            sum(operations[o] for o in WRITES) / max(granted, 1), "writes/success"
        )
        figures["gateway_64_clients_answers_other_than_201_or_409"] = figure(
            len(statuses) - granted - statuses.count(409), "answers"
        )
        figures["gateway_64_clients_oversold"] = figure(
            max(0, held_units(chosen, gateway_item) - args.reservations), "units"
        )
        cpu = per_operation_ms(spent, len(statuses))
        figures["gateway_64_clients_cpu_ms_per_reservation"] = figure(cpu["all"], "ms")
        for part in PARTS:
            figures[f"gateway_64_clients_cpu_ms_per_reservation_{part}"] = figure(cpu[part], "ms")
        figures["gateway_64_clients_cpu_per_reservation_vs_conditional_update"] = figure(
            cpu["all"] / max(baseline_many.cpu_ms.get("all", 0.0), 1e-9), "ratio"
        )

        print("64 clients on 64 items", flush=True)
        # 64 clients on 64 items
        items = [f"many-{n}-{uuid.uuid4().hex[:6]}" for n in range(args.clients)]
        per_item = args.reservations // args.clients + 1
        for item in items:
            stock(chosen, item, per_item)
        result = race(chosen, items, args.clients, per_item * args.clients, requests)
        figures["many_items_reservations_per_s"] = figure(result["rate"], "reservations/s")
        figures["many_items_writes_per_success"] = figure(
            result["writes"] / max(result["granted"], 1), "writes/success"
        )

        print("10,000 events against 10", flush=True)
        # 10,000 events against 10
        short, long = f"short-{uuid.uuid4().hex[:6]}", f"long-{uuid.uuid4().hex[:6]}"
        long_history(chosen, outputs, short, 10)
        long_history(chosen, outputs, long, args.history)
        latencies(client, short, 10, chosen)
        short_p50 = statistics.median(latencies(client, short, 100, chosen))
        long_p50 = statistics.median(latencies(client, long, 100, chosen))
        figures["short_history_p50_ms"] = figure(short_p50, "ms")
        figures["long_history_p50_ms"] = figure(long_p50, "ms")
        figures["long_vs_short_history_p50"] = figure(long_p50 / short_p50, "ratio")

    baseline = {
        "conditional_update_rate_1_client": figure(baseline_one.rate, "requests/s"),
        f"conditional_update_rate_{args.clients}_clients": figure(baseline_many.rate, "requests/s"),
        "conditional_update_p50_ms_1_client": figure(baseline_one.p50_ms, "ms"),
        f"conditional_update_cpu_ms_{args.clients}_clients": figure(baseline_many.cpu_ms.get("all", 0.0), "ms"),
    }
    report(
        "reservations_hot_item",
        f"reservations: {args.clients} clients, {args.reservations} units per hot item, {args.concurrency} workers, "
        f"{args.history} events in the long history",
        figures,
        baseline,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
