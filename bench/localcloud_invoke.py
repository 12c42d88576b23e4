"""localcloud: what a warm invocation costs, and what the cloud weighs at idle.

Figures (printed, and written to bench/results/localcloud_invoke.json):
- warm invoke overhead through the runtime directly (the path every event source takes), p50/p95;
- the same through moto's ``lambda.invoke`` (the path Step Functions tasks take), p50/p95;
- a request through the HTTP gateway (payload 2.0 event, function, response), p50/p95;
- the RSS of the cloud's own process at idle (after start), and of one warm worker;
- each latency also as a ratio to the emulator's own PutItem latency measured in the same run (the baseline),
  so figures from different machines can be compared.

Run: ``.venv/bin/python bench/localcloud_invoke.py [--invocations 400]``. The handler it invokes is ``echo``
below: this file is also the function's code.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _report import percentile, report

HERE = Path(__file__).resolve().parent


def echo(event: Any, context: Any) -> Any:
    """The benchmarked function: does nothing, so what is measured is the runtime's own overhead."""
    if isinstance(event, dict) and "version" in event and "routeKey" in event:
        return {"statusCode": 200, "body": event.get("body") or ""}
    return event


def _rss_kib(pid: str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _timed(calls: int, call: Any) -> list[float]:
    samples = []
    for n in range(calls):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, default=400, help="measured calls per path")
    args = parser.parse_args()

    from localcloud.cloud import LocalCloud
    from localcloud.stack import Attribute, Function, FunctionUrl, Stack, Table

    stack = Stack(
        name="bench",
        tables=(Table(name="bench-items", hash_key=Attribute(name="id")),),
        functions=(
            Function(
                name="bench-echo",
                handler="localcloud_invoke.echo",
                code_paths=(HERE,),
                url=FunctionUrl(authorization="NONE"),
            ),
        ),
    )
    with tempfile.TemporaryDirectory() as state_dir, LocalCloud([stack], state_dir=state_dir) as cloud:
        idle_rss_kib = _rss_kib()
        engine = cloud.emulator.engine
        engine_rss_kib = _rss_kib(str(engine.pid)) if engine is not None else 0
        n = args.invocations
        dynamodb = cloud.client("dynamodb")
        awslambda = cloud.client("lambda")
        for warm in range(20):
            cloud.invoke("bench-echo", {"n": warm})
            dynamodb.put_item(TableName="bench-items", Item={"id": {"S": f"warm-{warm}"}})
        worker_pids = [str(worker.process.pid) for pool in cloud.invoker._pools.values() for worker in pool._workers]
        worker_rss_kib = max((_rss_kib(pid) for pid in worker_pids), default=0)

        put_item = _timed(n, lambda i: dynamodb.put_item(TableName="bench-items", Item={"id": {"S": str(i)}}))
        direct = _timed(n, lambda i: cloud.invoke("bench-echo", {"n": i}))
        through_moto = _timed(
            n, lambda i: awslambda.invoke(FunctionName="bench-echo", Payload=json.dumps({"n": i}))["Payload"].read()
        )
        url = urlsplit(cloud.function_url("bench-echo"))
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

        def request(i: int) -> None:
            connection.request("POST", "/echo", body=json.dumps({"n": i}), headers={"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200, answer.status

        gateway = _timed(n, request)
        connection.close()

    put_p50 = percentile(put_item, 0.5)
    figures: dict[str, dict[str, Any]] = {}
    for name, samples in (
        ("invoke_direct", direct),
        ("invoke_via_moto_lambda", through_moto),
        ("http_gateway", gateway),
    ):
        p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
        figures[f"{name}_p50"] = {"value": round(p50, 3), "unit": "ms"}
        figures[f"{name}_p95"] = {"value": round(p95, 3), "unit": "ms"}
        figures[f"{name}_p50_vs_put_item_p50"] = {"value": round(p50 / put_p50, 3), "unit": "ratio"}
    figures["cloud_rss_idle"] = {"value": round(idle_rss_kib / 1024, 1), "unit": "MiB"}
    figures["worker_rss_warm"] = {"value": round(worker_rss_kib / 1024, 1), "unit": "MiB"}
    figures["dynamodb_local_rss"] = {"value": round(engine_rss_kib / 1024, 1), "unit": "MiB"}
    baseline = {
        "put_item_p50": {"value": round(put_p50, 3), "unit": "ms"},
        "put_item_rate": {"value": round(1000 * len(put_item) / sum(put_item), 1), "unit": "requests/s"},
    }

    report(
        "localcloud_invoke",
        f"localcloud invoke overhead, {n} calls per path (sequential, one client)",
        figures,
        baseline,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
