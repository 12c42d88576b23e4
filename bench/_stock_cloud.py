"""What the stock benchmarks share: a local cloud running the stock stack, a count of the DynamoDB requests the
cloud answers, and a wait for a delivery's report.

Not a benchmark itself: ``make bench`` skips files starting with ``_``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _cloud import concurrency_options, point_this_process_at

HERE = Path(__file__).resolve().parent
# The scratch item of the baseline (bench/_baseline.py): a partition no ingredient uses.
BASELINE_KEY = {"pk": {"S": "BENCH#baseline"}, "sk": {"S": "COUNTER"}}


@contextmanager
def stock_cloud(state_dir: str, concurrency: int | None = None) -> Iterator[Any]:
    """A LocalCloud with the stock stack only; this process's boto3 clients point at it. ``concurrency``: workers
    per function (default: the local cloud's own)."""
    from localcloud.cloud import LocalCloud
    from pizza_stock.stack import stack

    with LocalCloud([stack()], state_dir=state_dir, **concurrency_options(concurrency)) as cloud:
        point_this_process_at(cloud)
        yield cloud


class DynamoDBRequests:
    """Counts the DynamoDB requests the local cloud answers in this process (from the workers and from here).

    Every DynamoDB request passes the cloud's DynamoDB front on its way to DynamoDB Local; the time counted is
    the front's and the engine's together.
    """

    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()  # time spent answering, by operation
        self._lock = threading.Lock()
        self._active = False

    def install(self) -> DynamoDBRequests:
        from localcloud.dynamodb_front import DynamoDBFront

        original = DynamoDBFront.handle
        counter = self

        def handle(front: Any, request: Any, settings: Any) -> Any:
            if not counter._active or request.streams:
                return original(front, request, settings)
            started = time.perf_counter()
            try:
                return original(front, request, settings)
            finally:
                with counter._lock:
                    counter.by_operation[request.operation] += 1
                    counter.seconds[request.operation] += time.perf_counter() - started

        DynamoDBFront.handle = handle  # type: ignore[method-assign]
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
