"""orders: new-order-received -> rule -> queue -> intake -> reserve-stock (Express) -> order RESERVED, on the
local cloud.

Figures (printed, and written to bench/results/orders_flow.json):
- ``placed_to_reserved_p50_s`` / ``_p95_s``: from publishing ``new-order-received`` to the order's record
  turning RESERVED (its ``updatedAt``, written by the workflow's last step), at ``--rate`` orders a second
  (open loop: orders are placed on schedule whatever the answers);
- ``placed_to_workflow_p50_s`` / ``_p95_s``: the part of it before the workflow's first step wrote the order
  (``placedAt``): the bus, the rule, the queue, the intake function, StartExecution, the interpreter;
- ``orders_per_s``: a burst of ``--burst`` orders placed at once, decided per second until the last one;
- ``whole_orders_per_s``, ``placed_to_confirmed_p50_s`` / ``_p95_s``, ``lost_whole_orders``: ``--whole``
  orders with a kitchen part placed at once (the order workflow: reserved, one dough used, 1 s in the oven, a
  pass reporting baked pizzas, confirmed), until the last one ended;
- ``lost_orders``: orders never decided (must be 0), and ``oversold_units`` (units held beyond supply, 0);
- baseline: the emulator's raw conditional UpdateItem rate from one client, measured in the same run.

Run: ``.venv/bin/python bench/orders_flow.py [--rate 2] [--orders 60] [--burst 100]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baseline import conditional_update_item
from _cloud import point_this_process_at
from _report import figure, percentile, report

ITEMS = ("cola", "tiramisu", "pizza-of-the-day")
SUPPLY = 100_000
DECIDED = {"RESERVED", "UNAVAILABLE", "FAILED"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2.0, help="orders a second in the latency run")
    parser.add_argument("--orders", type=int, default=60, help="orders in the latency run")
    parser.add_argument("--burst", type=int, default=100, help="orders placed at once in the throughput run")
    parser.add_argument("--whole", type=int, default=30, help="whole orders (reserved, used, baked, confirmed)")
    args = parser.parse_args()

    from localcloud.cloud import LocalCloud
    from localcloud.polling import eventually
    from pizza_oven.stack import stack as oven_stack
    from pizza_place.shared_stack import stack as shared_stack
    from pizza_reservations.client import ReservationsClient
    from pizza_reservations.orders.client import OrdersClient
    from pizza_reservations.orders.stack import stack as orders_stack
    from pizza_reservations.stack import stack as reservations_stack
    from pizza_stock.stack import stack as stock_stack

    with (
        tempfile.TemporaryDirectory() as state_dir,
        # The order workflow's steps name the stock API and the oven's NewItems: their stacks come too.
        LocalCloud(
            [shared_stack(), stock_stack(), oven_stack(), reservations_stack(), orders_stack()], state_dir=state_dir
        ) as cloud,
    ):
        point_this_process_at(cloud)
        reservations = ReservationsClient.of_service(cloud.outputs["reservations"], region=cloud.region)
        orders = OrdersClient.of_service(cloud.outputs["orders"], region=cloud.region)
        run = uuid.uuid4().hex[:6]
        items = [f"{item}-{run}" for item in ITEMS]
        for item in items:
            reservations.adjust(item, f"bench-{item}", SUPPLY, "bench supply")
        for item in items:
            eventually(lambda item=item: reservations.item(item).status == 200, f"{item} stocked", timeout=120)

        def place(order_id: str) -> float:
            orders.place(order_id, {items[hash(order_id) % len(items)]: 1})
            return time.time()

        def decided(order_id: str, timeout: float = 180) -> dict:
            def check() -> dict | None:
                answer = orders.order(order_id)
                return answer.json() if answer.status == 200 and answer.json()["status"] in DECIDED else None

            try:
                return eventually(check, order_id, timeout=timeout, interval=0.2)
            except AssertionError:
                return {"status": "LOST"}

        # Warm every function and both workflows before the clock starts.
        warm = [f"warm-{run}-{n}" for n in range(4)]
        for order_id in warm:
            place(order_id)
        for order_id in warm:
            decided(order_id)

        latency_ids = [f"lat-{run}-{n:04d}" for n in range(args.orders)]
        placed_at: dict[str, float] = {}
        start = time.monotonic()
        for n, order_id in enumerate(latency_ids):
            delay = start + n / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            placed_at[order_id] = place(order_id)
        with ThreadPoolExecutor(16) as pool:
            latency_orders = dict(zip(latency_ids, pool.map(decided, latency_ids), strict=True))
        latencies = sorted(
            datetime.fromisoformat(order["updatedAt"]).timestamp() - placed_at[order_id]
            for order_id, order in latency_orders.items()
            if order["status"] == "RESERVED"
        )

        # The first hops (bus -> rule -> queue -> intake -> StartExecution -> the interpreter's first task), to the
        # order's first record (``placedAt``), apart from the workflow's own steps.
        to_workflow = sorted(
            datetime.fromisoformat(order["placedAt"]).timestamp() - placed_at[order_id]
            for order_id, order in latency_orders.items()
            if order["status"] == "RESERVED"
        )

        burst_ids = [f"burst-{run}-{n:04d}" for n in range(args.burst)]
        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(place, burst_ids))
            burst_orders = dict(zip(burst_ids, pool.map(decided, burst_ids), strict=True))
        last = max(
            (datetime.fromisoformat(o["updatedAt"]) for o in burst_orders.values() if "updatedAt" in o),
            default=datetime.now(UTC),
        )
        burst_elapsed = max(time.monotonic() - started - (datetime.now(UTC) - last).total_seconds(), 1e-3)

        whole_latencies, whole_rate, whole_lost = whole_orders(cloud, orders, items, run, args.whole, eventually)

        every = {**latency_orders, **burst_orders}
        lost = sum(order["status"] == "LOST" for order in every.values())
        refused = sum(order["status"] != "RESERVED" for order in every.values()) - lost
        held = 0
        for item in items:
            view = reservations.item(item).json()
            held += view["reserved"] + view["sold"]
            assert view["available"] >= 0
        oversold = max(0, held - SUPPLY * len(items))
        baseline = conditional_update_item(
            cloud.outputs["orders"]["orders_table"], {"pk": {"S": "BENCH#baseline"}}, clients=1
        ).rate

    figures = {
        "placed_to_reserved_p50_s": figure(percentile(latencies, 0.5), "s"),
        "placed_to_reserved_p95_s": figure(percentile(latencies, 0.95), "s"),
        "placed_to_reserved_mean_s": figure(statistics.fmean(latencies) if latencies else float("nan"), "s"),
        "placed_to_workflow_p50_s": figure(percentile(to_workflow, 0.5), "s"),
        "placed_to_workflow_p95_s": figure(percentile(to_workflow, 0.95), "s"),
        "orders_per_s": figure(len(burst_ids) / burst_elapsed, "orders/s"),
        "whole_orders_per_s": figure(whole_rate, "orders/s"),
        "placed_to_confirmed_p50_s": figure(percentile(whole_latencies, 0.5), "s"),
        "placed_to_confirmed_p95_s": figure(percentile(whole_latencies, 0.95), "s"),
        "lost_whole_orders": figure(whole_lost, "orders"),
        "lost_orders": figure(lost, "orders"),
        "refused_orders": figure(refused, "orders"),
        "oversold_units": figure(oversold, "units"),
    }
    report(
        "orders_flow",
        f"orders: {args.orders} at {args.rate}/s, then a burst of {args.burst}, on {len(items)} items",
        figures,
        {"conditional_update_rate_1_client": figure(baseline, "requests/s")},
    )
    return 1 if lost or whole_lost or oversold else 0


def whole_orders(
    cloud: Any, orders: Any, items: list[str], run: str, count: int, eventually: Any
) -> tuple[list[float], float, int]:
    """``count`` whole orders placed at once (one dough each, 1 s in the oven), a pass reporting baked pizzas:
    placed -> CONFIRMED latencies, whole orders per second, and those that never ended CONFIRMED."""
    import threading

    import boto3

    from pizza_oven.client import OvenClient, OvenOutputs
    from pizza_stock.client import StockClient

    session = boto3.session.Session(region_name=cloud.region)
    stock = StockClient.of(cloud.outputs["stock"], session=session, endpoint=cloud.endpoint)
    oven = OvenClient(OvenOutputs.of_service(cloud.outputs["oven"], cloud.endpoint, cloud.region))
    dough, key = f"dough-{run}", f"deliveries/bench-{run}.csv"
    best_before = datetime.now(UTC).date().replace(year=datetime.now(UTC).year + 1).isoformat()
    stock.deliver(key, f"typeId,quantity,expiresAt\n{dough},{count * 2},{best_before}\n")
    stock.wait_for_report(key, timeout=120)
    stop = threading.Event()

    def kitchen_pass() -> None:
        while not stop.is_set():
            for pizza in oven.receive_baked(wait_secs=1):
                orders.baked(pizza["id"])

    threading.Thread(target=kitchen_pass, daemon=True).start()
    ids = [f"whole-{run}-{n:04d}" for n in range(count)]
    placed_at: dict[str, float] = {}
    started = time.monotonic()
    for order_id in ids:
        orders.place(order_id, {items[0]: 1}, ingredients={dough: 1}, baking_time_secs=1)
        placed_at[order_id] = time.time()

    def ended(order_id: str) -> dict:
        def check() -> dict | None:
            answer = orders.order(order_id)
            body = answer.json() if answer.status == 200 else None
            return body if body and body["status"] in ("CONFIRMED", "REFUSED", "FAILED") else None

        try:
            return eventually(check, order_id, timeout=300, interval=0.2)
        except AssertionError:
            return {"status": "LOST"}

    with ThreadPoolExecutor(8) as pool:
        done = dict(zip(ids, pool.map(ended, ids), strict=True))
    elapsed = time.monotonic() - started
    stop.set()
    latencies = sorted(
        datetime.fromisoformat(o["updatedAt"]).timestamp() - placed_at[i]
        for i, o in done.items()
        if o["status"] == "CONFIRMED"
    )
    return latencies, len(latencies) / elapsed, sum(o["status"] != "CONFIRMED" for o in done.values())


if __name__ == "__main__":
    sys.exit(main())
