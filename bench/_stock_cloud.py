"""What the stock benchmarks share: a local cloud running the stock stack, a count of the DynamoDB requests the
emulator answers, the raw conditional UpdateItem rate of that emulator (the baseline), and the results file.

Not a benchmark itself: ``make bench`` skips files starting with ``_``.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BASELINE_TABLE_KEY = "BENCH#baseline"


@contextmanager
def stock_cloud(state_dir: str) -> Iterator[Any]:
    """A LocalCloud with the stock stack only; this process's boto3 clients point at it."""
    from localcloud.cloud import LocalCloud
    from pizza_stock.stack import stack

    with LocalCloud([stack()], state_dir=state_dir) as cloud:
        os.environ.update(
            AWS_ENDPOINT_URL=cloud.endpoint,
            AWS_REGION=cloud.region,
            AWS_DEFAULT_REGION=cloud.region,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
        )
        yield cloud


class DynamoDBRequests:
    """Counts the DynamoDB requests moto's server answers in this process (from the workers and from here)."""

    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()  # time moto spent answering, by operation
        self._lock = threading.Lock()
        self._active = False

    def install(self) -> DynamoDBRequests:
        from moto.dynamodb.responses import DynamoHandler

        original = DynamoHandler.call_action
        counter = self

        def call_action(handler: Any) -> Any:
            if not counter._active:
                return original(handler)
            operation = str(handler.headers.get("X-Amz-Target", "?")).rsplit(".", 1)[-1]
            started = time.perf_counter()
            try:
                return original(handler)
            finally:
                with counter._lock:
                    counter.by_operation[operation] += 1
                    counter.seconds[operation] += time.perf_counter() - started

        DynamoHandler.call_action = call_action  # type: ignore[method-assign]
        return self

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        self.by_operation.clear()
        self.seconds.clear()
        self._active = True
        try:
            yield self.by_operation
        finally:
            self._active = False


def conditional_update_rate(table: str, clients: int, seconds: float = 3.0) -> float:
    """UpdateItems per second, each ``ADD n :one`` under a condition, from ``clients`` threads on one item each."""
    import boto3
    from botocore.config import Config

    def client() -> Any:
        return boto3.session.Session().client("dynamodb", config=Config(retries={"max_attempts": 0}))

    def hammer(number: int) -> int:
        dynamodb, done = client(), 0
        key = {"pk": {"S": f"{BASELINE_TABLE_KEY}#{number}"}, "sk": {"S": "COUNTER"}}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            dynamodb.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="ADD n :one",
                ConditionExpression="attribute_not_exists(n) OR n < :limit",
                ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": "1000000000"}},
            )
            done += 1
        return done

    hammer(-1)  # warm the client and the emulator
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        total = sum(pool.map(hammer, range(clients)))
    return total / (time.monotonic() - started)


def describe(requests: DynamoDBRequests) -> str:
    """``Operation: count x mean ms`` for each operation counted."""
    return ", ".join(
        f"{operation}: {count} x {1000 * requests.seconds[operation] / count:.1f} ms"
        for operation, count in sorted(requests.by_operation.items())
    )


if __name__ == "__main__":
    print(__doc__.splitlines()[0])


def wait_for_object(s3: Any, bucket: str, key: str, timeout: float) -> None:
    """Until ``key`` exists in ``bucket`` (the ingest's report, written when the delivery is done)."""
    from localcloud.polling import eventually

    def exists() -> bool:
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except s3.exceptions.ClientError:
            return False
        return True

    eventually(exists, f"s3://{bucket}/{key}", timeout=timeout, interval=0.02)
