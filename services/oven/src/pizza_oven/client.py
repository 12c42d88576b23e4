"""The oven's one client: its doors as every caller drives them (the ``pizza`` command, the demo, the
integration tests, the benches). Standard library, boto3 and pizza_common (its DynamoDB reads).

- :class:`OvenOutputs`: where the oven is, from the local cloud's outputs.json or ``terraform output -json``.
- :class:`OvenClient`: send pizzas to NewItems, read BakedItems and the dead-letter queue, read the load,
  run the reconciler once.
- :func:`bake`: send N pizzas and follow them until each came out.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from pizza_common.deadline import Deadline
from pizza_common.dynamodb import batch_get

__all__ = [
    "DEFAULT_OUTPUTS",
    "BakeSummary",
    "OutputsError",
    "OvenClient",
    "OvenOutputs",
    "OvenUnreachable",
    "bake",
    "load_outputs",
]

# How long a read of the oven table keeps retrying throttling and unprocessed keys.
_READ_SECS = 30.0
DEFAULT_OUTPUTS = Path(".localcloud") / "outputs.json"


class OutputsError(Exception):
    """The outputs file is missing or does not describe an oven."""


class OvenUnreachable(Exception):
    """The oven's endpoint does not answer (a stopped local cloud, no network, no credentials)."""


@dataclass(frozen=True)
class OvenOutputs:
    new_items_queue_url: str
    baked_items_queue_url: str
    oven_table: str
    bake_state_machine_arn: str
    new_items_dead_letter_queue_url: str | None = None  # older deployments lack these two outputs
    reconcile_function_name: str | None = None
    endpoint: str | None = None  # None: AWS itself
    region: str | None = None

    @classmethod
    def of_service(cls, oven: Mapping[str, Any], endpoint: str | None, region: str | None) -> OvenOutputs:
        """From the oven's output names and values; a missing one raises ``KeyError`` naming it."""
        return cls(
            new_items_queue_url=oven["new_items_queue_url"],
            baked_items_queue_url=oven["baked_items_queue_url"],
            oven_table=oven["oven_table"],
            bake_state_machine_arn=oven["bake_state_machine_arn"],
            new_items_dead_letter_queue_url=oven.get("new_items_dead_letter_queue_url"),
            reconcile_function_name=oven.get("reconcile_function_name"),
            endpoint=endpoint,
            # A deployed oven's region is the one its state machine lives in.
            region=region or oven["bake_state_machine_arn"].split(":")[3],
        )


def load_outputs(path: Path) -> OvenOutputs:
    """The oven's outputs from the local cloud's outputs.json, or from ``terraform output -json``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputsError(
            f"no outputs at {path}: start the local cloud (make up) or pass --outputs FILE "
            "(terraform output -json of deployments/oven)"
        ) from None
    except json.JSONDecodeError as error:
        raise OutputsError(f"{path} is not JSON: {error}") from None
    if "services" in document:  # the local cloud's outputs.json
        oven, endpoint, region = document["services"].get("oven"), document.get("endpoint"), document.get("region")
        if oven is None:
            raise OutputsError(f"{path} has no oven service (it has: {', '.join(sorted(document['services']))})")
    else:  # terraform output -json: {"name": {"value": ...}}
        oven = {name: entry.get("value") for name, entry in document.items() if isinstance(entry, dict)}
        endpoint, region = None, None
    try:
        return OvenOutputs.of_service(oven, endpoint, region)
    except KeyError as missing:
        raise OutputsError(f"{path} lacks the oven output {missing}") from None


@dataclass
class BakeSummary:
    sent: int
    baked: int
    duplicates: int
    max_in_oven: int
    capacity: int
    elapsed_secs: float
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.baked == self.sent and self.duplicates == 0

    def lines(self) -> list[str]:
        rate = self.baked / self.elapsed_secs if self.elapsed_secs else 0.0
        lines = [
            f"baked {self.baked}/{self.sent}, duplicates {self.duplicates}, "
            f"max in oven {self.max_in_oven} of {self.capacity}, elapsed {self.elapsed_secs:.1f}s ({rate:.1f} pizzas/s)"
        ]
        if self.missing:
            lines.append(f"not baked: {', '.join(self.missing[:10])}{' ...' if len(self.missing) > 10 else ''}")
        return lines


class OvenClient:
    """The oven through its doors: NewItems (send), BakedItems (receive), the oven table (read the load)."""

    def __init__(self, outputs: OvenOutputs, session: boto3.session.Session | None = None) -> None:
        self.outputs = outputs
        session = session or boto3.session.Session()
        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=20)
        options: dict[str, Any] = {"region_name": outputs.region, "config": config}
        if outputs.endpoint:
            options["endpoint_url"] = outputs.endpoint
            if session.get_credentials() is None:  # an emulator takes any credentials
                options.update(aws_access_key_id="testing", aws_secret_access_key="testing")
        self.sqs = session.client("sqs", **options)
        self.dynamodb = session.client("dynamodb", **options)
        self.awslambda = session.client("lambda", **options)

    def send(self, pizzas: Iterable[dict[str, Any]]) -> None:
        batch: list[dict[str, Any]] = []
        for pizza in pizzas:
            batch.append({"Id": str(len(batch)), "MessageBody": json.dumps(pizza)})
            if len(batch) == 10:
                self._send_batch(batch)
                batch = []
        if batch:
            self._send_batch(batch)

    def _send_batch(self, batch: list[dict[str, Any]]) -> None:
        response = self.sqs.send_message_batch(QueueUrl=self.outputs.new_items_queue_url, Entries=batch)
        if response.get("Failed"):
            raise OvenUnreachable(f"NewItems refused {len(response['Failed'])} pizzas: {response['Failed'][0]}")

    def receive_baked(self, wait_secs: int = 1) -> list[dict[str, Any]]:
        """Baked pizzas from the queue, deleted once read (the caller is their consumer)."""
        response = self.sqs.receive_message(
            QueueUrl=self.outputs.baked_items_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_secs
        )
        messages = response.get("Messages", [])
        if messages:
            self.sqs.delete_message_batch(
                QueueUrl=self.outputs.baked_items_queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        return [json.loads(message["Body"]) for message in messages]

    def rejected(self, wait_secs: int = 0) -> list[dict[str, Any]]:
        """Messages from the NewItems dead-letter queue, deleted once read: ``{"body", "reason", "message_id"}``."""
        if not self.outputs.new_items_dead_letter_queue_url:
            raise OutputsError("the oven's outputs lack new_items_dead_letter_queue_url")
        response = self.sqs.receive_message(
            QueueUrl=self.outputs.new_items_dead_letter_queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_secs,
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if messages:
            self.sqs.delete_message_batch(
                QueueUrl=self.outputs.new_items_dead_letter_queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        return [
            {
                "body": message["Body"],
                "reason": message.get("MessageAttributes", {}).get("RejectedReason", {}).get("StringValue"),
                "message_id": message.get("MessageAttributes", {}).get("OriginalMessageId", {}).get("StringValue"),
            }
            for message in messages
        ]

    def reconcile(self) -> dict[str, Any]:
        """Run the reconciler once, now (it also runs on its schedule): what it found and repaired."""
        if not self.outputs.reconcile_function_name:
            raise OutputsError("the oven's outputs lack reconcile_function_name")
        answer = self.awslambda.invoke(FunctionName=self.outputs.reconcile_function_name, Payload=b"{}")
        payload = json.loads(answer["Payload"].read() or b"{}")
        if answer.get("FunctionError"):
            raise OvenUnreachable(f"the reconciler failed: {payload}")
        return dict(payload)

    def load(self) -> dict[str, int]:
        """The oven's capacity and load: ``{"capacity", "in_use", "waiting"}``."""
        # Throttled or answered in part, the read is finished, not mistaken for an empty oven.
        items = batch_get(
            self.dynamodb,
            self.outputs.oven_table,
            [{"pk": "OVEN#CAPACITY"}, {"pk": "OVEN#LOAD"}],
            consistent=True,
            deadline=Deadline.after(_READ_SECS),
        )
        values = {"capacity": 0, "in_use": 0, "waiting": 0}
        for item in items:
            for name in values:
                if name in item:
                    values[name] = int(item[name])
        return values

    def pizzas(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """What the oven table holds about these pizzas (those it has), as plain values, by pizza id."""
        items = batch_get(
            self.dynamodb,
            self.outputs.oven_table,
            [{"pk": f"PIZZA#{pizza_id}"} for pizza_id in ids],
            consistent=True,
            deadline=Deadline.after(_READ_SECS),
        )
        return {item["pizza_id"]: item for item in items}


def bake(
    client: OvenClient,
    count: int,
    *,
    baking_time_secs: int | None = None,
    run_id: str | None = None,
    timeout_secs: float = 600,
    progress: Callable[[str], None] = print,
) -> BakeSummary:
    """Send ``count`` pizzas and follow them until each came out (or ``timeout_secs`` passed)."""
    run_id = run_id or uuid.uuid4().hex[:8]
    ids = [f"{run_id}-{number:05d}" for number in range(count)]
    started = time.monotonic()
    capacity = client.load()["capacity"]
    client.send(
        {"id": pizza_id} | ({"bakingTimeSecs": baking_time_secs} if baking_time_secs else {}) for pizza_id in ids
    )
    progress(f"sent {count} pizzas ({run_id}-*) to the oven (capacity {capacity})")
    wanted, seen = set(ids), Counter[str]()
    max_in_oven, last_report = 0, 0.0
    while time.monotonic() - started < timeout_secs:
        for pizza in client.receive_baked():
            if pizza.get("id") in wanted:
                seen[pizza["id"]] += 1
        load = client.load()
        max_in_oven = max(max_in_oven, load["in_use"])
        done = len(seen) == count
        if done or time.monotonic() - last_report >= 1:
            last_report = time.monotonic()
            progress(
                f"baked {len(seen)}/{count}, in oven {load['in_use']}/{load['capacity']}, waiting {load['waiting']}"
            )
        if done:
            break
    return BakeSummary(
        sent=count,
        baked=len(seen),
        duplicates=sum(seen.values()) - len(seen),
        max_in_oven=max_in_oven,
        capacity=capacity,
        elapsed_secs=time.monotonic() - started,
        missing=sorted(wanted - set(seen)),
    )
