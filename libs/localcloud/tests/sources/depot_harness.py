"""The event source tests run the parcel depot (tests/sources/sample) on a local cloud with real workers.

Not a conftest: localcloud's tests already have one, and two modules named conftest would collide.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest

SAMPLE = Path(__file__).resolve().parent / "sample"
if str(SAMPLE) not in sys.path:
    sys.path.insert(0, str(SAMPLE))

from depot_sample.stack import stack as depot_stack  # noqa: E402

T = TypeVar("T")

DEADLINE_SECONDS = 30.0


class Depot:
    """A running depot: names, clients, the handlers' journal and a poll-until helper."""

    def __init__(self, cloud: Any, prefix: str, journal: Path) -> None:
        self.cloud = cloud
        self.prefix = prefix
        self.journal = journal

    def name(self, thing: str) -> str:
        return f"{self.prefix}-depot-{thing}"

    def client(self, service: str) -> Any:
        return self.cloud.client(service)

    def queue_url(self, thing: str) -> str:
        return str(self.client("sqs").get_queue_url(QueueName=self.name(thing))["QueueUrl"])

    def invocations(self, role: str) -> list[dict[str, Any]]:
        """The journal lines of one function, in the order they were written."""
        if not self.journal.exists():
            return []
        function = self.name(role)
        lines = [json.loads(text) for text in self.journal.read_text(encoding="utf-8").splitlines() if text]
        return [line for line in lines if line["function"] == function]

    def wait_for(
        self, what: str, condition: Callable[[], T | Literal[False] | None], timeout: float = DEADLINE_SECONDS
    ) -> T:
        """Poll ``condition`` until it returns something truthy; fail with ``what`` at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(0.05)

    def receive_all(self, thing: str, wait_seconds: int = 0) -> list[dict[str, Any]]:
        """Every message waiting on a queue (received and deleted)."""
        sqs, url = self.client("sqs"), self.queue_url(thing)
        messages: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds, AttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            messages.extend(batch)
            wait_seconds = 0


def start_depot(tmp_path_factory: pytest.TempPathFactory, prefix: str, **options: Any) -> Iterator[Depot]:
    import localcloud

    folder = tmp_path_factory.mktemp(prefix)
    journal = folder / "journal.jsonl"
    with localcloud.start([depot_stack(prefix, journal)], state_dir=folder / ".localcloud", **options) as cloud:
        yield Depot(cloud, prefix, journal)
