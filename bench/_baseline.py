"""The baseline every benchmark divides by: the raw rate of a conditional UpdateItem on the same emulator.

Measured in the same run as the figures it scales, so a ratio holds across machines and loads.
Not a benchmark itself: ``make bench`` skips files starting with ``_``.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from _cpu import cpu_seconds, per_operation_ms


@dataclass(frozen=True)
class UpdateItemBaseline:
    rate: float  # UpdateItems answered per second, all clients together
    p50_ms: float  # one UpdateItem's latency as a client sees it
    # CPU per UpdateItem, in all and by process (bench/_cpu.py): what a rate on this machine is made of
    cpu_ms: dict[str, float] = field(default_factory=dict)


def _client_from_environment() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client("dynamodb", config=Config(retries={"max_attempts": 0}))


def conditional_update_item(
    table: str,
    key: Mapping[str, Mapping[str, str]],
    clients: int = 1,
    seconds: float = 3.0,
    make_client: Callable[[], Any] = _client_from_environment,
) -> UpdateItemBaseline:
    """``ADD n :one`` if ``n < :limit``, back to back for ``seconds``, from ``clients`` threads on one item each.

    ``key`` is the table's key of a scratch item; each client suffixes its first string attribute with its number.
    The scratch items are deleted afterwards.
    """
    first = next(iter(key))

    def key_of(number: int) -> dict[str, Any]:
        return {**key, first: {"S": f"{key[first]['S']}#{number}"}}

    def hammer(number: int, dynamodb: Any) -> list[float]:
        latencies: list[float] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            before = time.perf_counter()
            dynamodb.update_item(
                TableName=table,
                Key=key_of(number),
                UpdateExpression="ADD n :one",
                ConditionExpression="attribute_not_exists(n) OR n < :limit",
                ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": "1000000000"}},
            )
            latencies.append((time.perf_counter() - before) * 1000)
        dynamodb.delete_item(TableName=table, Key=key_of(number))
        return latencies

    # Every client made before the clock starts (a boto3 session costs milliseconds of CPU).
    made = [make_client() for _ in range(clients)]
    hammer(-1, made[0])  # warm the client and the emulator
    started = time.monotonic()
    with cpu_seconds() as spent, ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = [latency for one_client in pool.map(hammer, range(clients), made) for latency in one_client]
    elapsed = time.monotonic() - started
    # The sessions' garbage (botocore's endpoint data, 25,000 objects each) is collected now, not by a full
    # collection in the middle of the next measured run (0.5 s with every thread of the cloud stopped).
    del made
    gc.collect()
    return UpdateItemBaseline(
        rate=len(latencies) / elapsed,
        p50_ms=statistics.median(latencies),
        cpu_ms=per_operation_ms(spent, len(latencies)),
    )
