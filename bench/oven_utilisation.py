"""oven: how busy the oven keeps its slots under a backlog.

200 pizzas are sent at once to an oven of capacity 8, each baking 2 s (all three adjustable). Figures
(printed, and written to bench/results/oven_utilisation.json):

- ``utilisation``: pizzas baked per second x baking time / capacity, over the span from the first pizza
  starting to bake to the last one taken out. 1.0 is the physical limit: every slot baking all the time.
- ``slot_free_to_next_start_p50``/``_p95``: from a slot freeing (a pizza taken out) to the next waiting
  pizza's baking starting in it: the removal, the ring, the baker's wake-up, the transaction, the start.
- ``baking_overhead_p50``/``_p95``: how much longer than its baking time a pizza holds its slot (the state
  machine's Wait, the removal's invocation, and its wait for the head of the line).
- ``line_order_inversions``: pairs of waiting pizzas served against the order they joined (0 = kept).
- ``pizzas_per_second``, ``elapsed``, ``max_in_oven`` (sampled), and ``*_vs_update_item_p50`` ratios.
- baseline: the raw rate and p50 of a conditional UpdateItem (``ADD n :one`` if ``n < :limit``) on one item
  of the same emulator in the same run, so the figures read as ratios that hold across machines.

Times come from the oven table (each pizza's ``started_at`` and ``baked_at``, written by the functions)
on this machine's single clock. Run: ``.venv/bin/python bench/oven_utilisation.py [--pizzas 200]``.
"""

from __future__ import annotations

import argparse
import bisect
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from typing import Any

from _baseline import conditional_update_item
from _cloud import add_concurrency_option, concurrency_options
from _report import percentile, report


def _slot_latencies(pizzas: list[dict[str, str]]) -> list[float]:
    """Each freed slot matched with the next baking start after it (earliest first), in seconds."""
    frees = sorted(datetime.fromisoformat(p["baked_at"]).timestamp() for p in pizzas)
    starts = sorted(datetime.fromisoformat(p["started_at"]).timestamp() for p in pizzas)
    latencies, used = [], 0
    for freed in frees:
        index = max(bisect.bisect_left(starts, freed), used)
        if index >= len(starts):
            break  # the last slots to free have no pizza left to take them
        latencies.append(starts[index] - freed)
        used = index + 1
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pizzas", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=8)
    parser.add_argument("--baking-time", type=int, default=2)
    add_concurrency_option(
        parser,
        None,
        "; more lets a wave's removals run side by side as Lambda would, at the cost of more processes on the machine",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the local cloud's folder (function logs)")
    args = parser.parse_args()

    import localcloud
    from pizza_oven.client import OvenClient, OvenOutputs
    from pizza_oven.stack import stack

    state = tempfile.mkdtemp(prefix="oven-bench-")
    concurrency = args.concurrency or "default"
    with localcloud.start(
        [stack("bench", capacity=args.capacity)], state_dir=state, **concurrency_options(args.concurrency)
    ) as cloud:
        outputs = cloud.outputs["oven"]
        client = OvenClient(OvenOutputs.of_service(outputs, cloud.endpoint, cloud.region))
        table = outputs["oven_table"]
        baseline_update = conditional_update_item(
            table, {"pk": {"S": f"BENCH#{uuid.uuid4().hex}"}}, make_client=lambda: client.dynamodb
        )
        rate, update_p50 = baseline_update.rate, baseline_update.p50_ms

        # Warm every function (a cold worker imports boto3 and Powertools) before the clock starts.
        warm = [f"warm-{number}" for number in range(args.capacity + 2)]
        client.send({"id": pizza_id, "bakingTimeSecs": 1} for pizza_id in warm)
        _wait_for(client, set(warm), timeout=120)

        ids = [f"bench-{number:04d}" for number in range(args.pizzas)]
        max_in_oven, stop = [0], threading.Event()

        def sample() -> None:
            while not stop.wait(0.05):
                max_in_oven[0] = max(max_in_oven[0], client.load()["in_use"])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        sent = time.monotonic()
        client.send({"id": pizza_id, "bakingTimeSecs": args.baking_time} for pizza_id in ids)
        _wait_for(client, set(ids), timeout=60 + 10 * args.pizzas * args.baking_time / args.capacity)
        elapsed = time.monotonic() - sent
        stop.set()
        sampler.join()
        pizzas = list(client.pizzas(ids).values())
    if args.keep_logs:
        print(f"function logs: {state}/logs")
    else:
        shutil.rmtree(state, ignore_errors=True)

    first_start = min(datetime.fromisoformat(p["started_at"]).timestamp() for p in pizzas)
    last_out = max(datetime.fromisoformat(p["baked_at"]).timestamp() for p in pizzas)
    per_second = len(pizzas) / (last_out - first_start)
    utilisation = per_second * args.baking_time / args.capacity
    latencies = [seconds * 1000 for seconds in _slot_latencies(pizzas)]
    # How much longer than its baking time a pizza holds its slot: the state machine's Wait and the invoke
    # of the removal (from the start being recorded to the removal's first moment).
    overheads = [
        (datetime.fromisoformat(p["baked_at"]) - datetime.fromisoformat(p["started_at"])).total_seconds() * 1000
        - args.baking_time * 1000
        for p in pizzas
    ]
    inversions = _line_order_inversions(pizzas)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    figures = {
        "utilisation": {"value": round(utilisation, 3), "unit": "ratio"},
        "pizzas_per_second": {"value": round(per_second, 3), "unit": "pizzas/s"},
        "slot_free_to_next_start_p50": {"value": round(p50, 1), "unit": "ms"},
        "slot_free_to_next_start_p95": {"value": round(p95, 1), "unit": "ms"},
        "slot_free_to_next_start_p50_vs_update_item_p50": {"value": round(p50 / update_p50, 1), "unit": "ratio"},
        "baking_overhead_p50": {"value": round(percentile(overheads, 0.5), 1), "unit": "ms"},
        "baking_overhead_p95": {"value": round(percentile(overheads, 0.95), 1), "unit": "ms"},
        "line_order_inversions": {"value": inversions, "unit": "pairs"},
        "elapsed": {"value": round(elapsed, 1), "unit": "s"},
        "ideal_elapsed": {"value": round(args.pizzas * args.baking_time / args.capacity, 1), "unit": "s"},
        "max_in_oven": {"value": max_in_oven[0], "unit": "pizzas"},
    }
    baseline = {
        "conditional_update_item_rate": {"value": round(rate, 1), "unit": "requests/s"},
        "conditional_update_item_p50": {"value": round(update_p50, 2), "unit": "ms"},
    }
    report(
        "oven_utilisation",
        f"oven: {args.pizzas} pizzas, capacity {args.capacity}, baking {args.baking_time} s, {concurrency} workers",
        figures,
        baseline,
    )
    return 0


def _line_order_inversions(pizzas: list[dict[str, str]], apart_ms: int = 2) -> int:
    """Pairs of waiting pizzas where the one that joined the line first (SQS's SentTimestamp, recorded in
    ``line_sequence``; more than ``apart_ms`` apart, as sends in the same millisecond have no order we can
    read) took its slot after the other. 0 means the line's order was kept."""
    waited = sorted(
        (int(p["line_sequence"].split("-")[0]), datetime.fromisoformat(p["allocated_at"]).timestamp())
        for p in pizzas
        if p.get("line_sequence") and p.get("allocated_at")
    )
    inversions = 0
    for index, (joined, allocated) in enumerate(waited):
        for later_joined, later_allocated in waited[index + 1 :]:
            if later_joined - joined > apart_ms and later_allocated < allocated:
                inversions += 1
    return inversions


def _wait_for(client: Any, wanted: set[str], timeout: float) -> None:
    baked: set[str] = set()
    deadline = time.monotonic() + timeout
    while not wanted <= baked:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(wanted & baked)} of {len(wanted)} pizzas baked in {timeout:.0f} s")
        baked |= {pizza["id"] for pizza in client.receive_baked(wait_secs=1)}


if __name__ == "__main__":
    sys.exit(main())
