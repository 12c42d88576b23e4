"""stock: usage transactions (POST /transactions) from concurrent clients, on the local cloud.

Figures (printed, and written to bench/results/stock_transactions.json):
- ``transactions_per_s``: answered usage transactions per second, from ``--clients`` concurrent clients, each
  signing its requests and sending the next when the last is answered; each transaction takes 1 to 3 units
  of 2 of the ``--ingredients`` ingredients, drawn from many batches, so clients contend for the same levels
  and the same oldest batches;
- ``dynamodb_requests_per_transaction``: DynamoDB requests the emulator answered during the run, per transaction;
- ``retries_per_transaction``: re-plans after a batch changed under a transaction (TransactWriteItems cancelled),
  read off the count of TransactWriteItems;
- ``transactions_per_s_vs_conditional_update_rate``: as a ratio to the baseline, the raw rate of conditional
  UpdateItems of the same emulator from the same number of clients, measured in the same run (and the
  single-client rate beside it).

Run: ``.venv/bin/python bench/stock_transactions.py [--clients 16] [--transactions 800] [--ingredients 4]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baseline import conditional_update_item
from _report import figure, report
from _stock_cloud import BASELINE_KEY, DynamoDBRequests, describe, stock_cloud, wait_for_object

BATCHES_PER_INGREDIENT = 40
BATCH_QUANTITY = 500


def _engine_rss_mib(cloud: object) -> float:
    """Resident memory of the cloud's DynamoDB Local JVM (0 when there is none)."""
    engine = getattr(getattr(cloud, "emulator", None), "engine", None)
    try:
        status = Path(f"/proc/{engine.pid}/status").read_text() if engine is not None else ""
    except OSError:
        return 0.0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields.get("VmRSS", "0 kB").split()[0]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--transactions", type=int, default=800, help="transactions in all, shared by the clients")
    parser.add_argument("--ingredients", type=int, default=4)
    args = parser.parse_args()

    from pizza_common.signed_http import SignedHttp

    ingredients = [f"ingredient-{n}" for n in range(args.ingredients)]
    requests = DynamoDBRequests().install()
    with tempfile.TemporaryDirectory() as state_dir, stock_cloud(state_dir) as cloud:
        outputs = cloud.outputs["stock"]
        s3, bucket = cloud.client("s3"), outputs["deliveries_bucket"]
        delivery = "".join(
            f"{type_id},{BATCH_QUANTITY},{(date.today() + timedelta(days=30 + batch)).isoformat()}\n"
            for batch in range(BATCHES_PER_INGREDIENT)
            for type_id in ingredients
        )
        s3.put_object(Bucket=bucket, Key="bench.csv", Body=delivery.encode())
        wait_for_object(s3, bucket, "reports/bench.csv.json", timeout=300)
        api = SignedHttp(outputs["api_url"], region=cloud.region)

        baseline_one = conditional_update_item(outputs["stock_table"], BASELINE_KEY, clients=1).rate
        baseline_many = conditional_update_item(outputs["stock_table"], BASELINE_KEY, clients=args.clients).rate

        rng = random.Random(7)
        orders = [
            {
                "transactionId": f"bench-{uuid.uuid4().hex}",
                "items": [{"typeId": type_id, "quantity": rng.randint(1, 3)} for type_id in rng.sample(ingredients, 2)],
            }
            for _ in range(args.transactions)
        ]
        for warm in orders[: args.clients]:  # a warm worker per client before the clock starts
            api.post("/transactions", warm)
        measured = orders[args.clients :]

        def place(order: dict[str, object]) -> int:
            while True:
                answer = api.post("/transactions", order)
                if answer.status != 503:
                    return answer.status

        with requests.counting() as counted, ThreadPoolExecutor(max_workers=args.clients) as clients:
            started = time.monotonic()
            statuses = list(clients.map(place, measured))
            elapsed = time.monotonic() - started
            operations = dict(counted)
            timings = describe(requests)
        engine_rss_mib = _engine_rss_mib(cloud)

    answered = len(statuses)
    if set(statuses) != {201}:
        print(f"warning: answers other than 201: { {s: statuses.count(s) for s in set(statuses)} }")
    rate = answered / elapsed
    commits = operations.get("TransactWriteItems", 0)
    figures = {
        "transactions_per_s": figure(rate, "transactions/s"),
        "dynamodb_requests_per_transaction": figure(sum(operations.values()) / answered, "requests/transaction"),
        "retries_per_transaction": figure(max(0, commits - answered) / answered, "retries/transaction"),
        "transactions_per_s_vs_conditional_update_rate": figure(rate / baseline_many, "ratio"),
        "dynamodb_local_rss_after": figure(engine_rss_mib, "MiB"),
    }
    baseline = {
        f"conditional_update_rate_{args.clients}_clients": figure(baseline_many, "requests/s"),
        "conditional_update_rate_1_client": figure(baseline_one, "requests/s"),
    }
    report(
        "stock_transactions",
        f"stock transactions: {answered} from {args.clients} clients on {args.ingredients} ingredients; "
        f"DynamoDB requests (time per request, front and engine): {timings}",
        figures,
        baseline,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
