"""stock: ingest of a CSV delivery, from PutObject to its report, on the local cloud.

Figures (printed, and written to bench/results/stock_ingest.json):
- ``ingest_rows_per_s``: rows of a delivery made batches per second (PutObject called -> report written);
- ``dynamodb_requests_per_row``: DynamoDB requests the emulator answered during the ingest, per row;
- ``ingest_rows_per_s_vs_conditional_update_rate``: the rows/s as a ratio to the baseline, the raw rate of
  conditional UpdateItems of the same emulator from one client, measured in the same run;
- ``ingest_worker_peak_rss``: the ingest worker's peak resident memory (VmHWM), which stays flat as files grow
  because a delivery is read as a stream of 64 KiB chunks.

Run: ``.venv/bin/python bench/stock_ingest.py [--rows 10000] [--ingredients 20]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baseline import conditional_update_item
from _report import figure, report
from _stock_cloud import BASELINE_KEY, DynamoDBRequests, describe, stock_cloud


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the delivery")
    parser.add_argument("--ingredients", type=int, default=20, help="distinct ingredients in it")
    args = parser.parse_args()

    best_before = (date.today() + timedelta(days=365)).isoformat()
    body = "typeId,quantity,expiresAt\n" + "".join(
        f"ingredient-{row % args.ingredients},{1 + row % 9},{best_before}\n" for row in range(args.rows)
    )
    requests = DynamoDBRequests().install()
    with tempfile.TemporaryDirectory() as state_dir, stock_cloud(state_dir) as cloud:
        import boto3

        from pizza_stock.client import StockClient

        outputs = cloud.outputs["stock"]
        stock = StockClient.of(outputs, session=boto3.session.Session(), endpoint=cloud.endpoint, region=cloud.region)
        baseline_rate = conditional_update_item(outputs["stock_table"], BASELINE_KEY, clients=1).rate

        warm = f"ingredient-warm,1,{best_before}\n"
        stock.deliver("warm.csv", warm)
        stock.wait_for_report("warm.csv", timeout=900)

        with requests.counting() as counted:
            started = time.monotonic()
            stock.deliver("bench.csv", body)
            stock.wait_for_report("bench.csv", timeout=900)
            elapsed = time.monotonic() - started
            answered = sum(counted.values())
            timings = describe(requests)
        pool = cloud.invoker._pools["pizza-stock-ingest"]
        peak_kib = max((_peak_rss_kib(worker.process.pid) for worker in pool._workers), default=0)

    rows_per_s = args.rows / elapsed
    figures = {
        "ingest_rows_per_s": figure(rows_per_s, "rows/s"),
        "dynamodb_requests_per_row": figure(answered / args.rows, "requests/row"),
        "ingest_rows_per_s_vs_conditional_update_rate": figure(rows_per_s / baseline_rate, "ratio"),
        "ingest_seconds": figure(elapsed, "s"),
        "ingest_worker_peak_rss": figure(peak_kib / 1024, "MiB"),
    }
    baseline = {"conditional_update_rate": figure(baseline_rate, "requests/s")}
    report(
        "stock_ingest",
        f"stock ingest: {args.rows} rows of {args.ingredients} ingredients; "
        f"DynamoDB requests (time per request, front and engine): {timings}",
        figures,
        baseline,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
