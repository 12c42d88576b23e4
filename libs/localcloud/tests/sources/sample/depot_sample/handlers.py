"""The depot's handlers. Each appends one line per invocation to the journal (the whole event, when the
handler started and ended, its answer) and fails where a record asks it to:

* ``"fail": "always"`` fails that record on every delivery;
* ``"fail": "once"`` fails it on its first delivery only.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any
from urllib.parse import unquote_plus


def on_manifest(event: dict[str, Any], context: Any) -> None:
    """S3: a key with "broken" in it always fails, one with "flaky" fails its first attempt."""
    started = time.time()
    key = unquote_plus(event["Records"][0]["s3"]["object"]["key"])
    failing = "broken" in key or ("flaky" in key and not _seen("key", key))
    _write(started, event, {"key": key, "failed": failing})
    if failing:
        raise RuntimeError(f"cannot read manifest {key}")


def sort_parcel(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS standard, partial batch responses."""
    started = time.time()
    failures = []
    for record in event["Records"]:
        mode = json.loads(record["body"]).get("fail")
        if mode == "always" or (mode == "once" and record["attributes"]["ApproximateReceiveCount"] == "1"):
            failures.append({"itemIdentifier": record["messageId"]})
    answer = {"batchItemFailures": failures}
    _write(started, event, answer)
    return answer


def drive_route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS FIFO: stops at the first failure and reports it and everything after it, as a FIFO consumer must."""
    started = time.time()
    time.sleep(0.05)  # long enough that two batches of one group in flight at once would overlap
    failures: list[dict[str, str]] = []
    for record in event["Records"]:
        mode = json.loads(record["body"]).get("fail")
        if failures or mode == "always" or (mode == "once" and record["attributes"]["ApproximateReceiveCount"] == "1"):
            failures.append({"itemIdentifier": record["messageId"]})
    answer = {"batchItemFailures": failures}
    _write(started, event, answer)
    return answer


def on_locker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """DynamoDB stream, partial batch responses (the item's ``fail`` attribute says how to fail)."""
    started = time.time()
    failures = []
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage") or record["dynamodb"].get("OldImage") or {}
        mode = image.get("fail", {}).get("S")
        sequence = record["dynamodb"]["SequenceNumber"]
        if mode == "always" or (mode == "once" and not _seen("sequence", sequence)):
            failures.append({"itemIdentifier": sequence})
    answer = {"batchItemFailures": failures}
    _write(started, event, answer, sequences=[record["dynamodb"]["SequenceNumber"] for record in event["Records"]])
    return answer


def on_tracking(event: dict[str, Any], context: Any) -> None:
    """Kinesis, no partial responses: a scan with ``"fail": "always"`` fails its whole batch."""
    started = time.time()
    scans = [json.loads(base64.b64decode(record["kinesis"]["data"])) for record in event["Records"]]
    failing = any(scan.get("fail") == "always" for scan in scans)
    _write(started, event, {"failed": failing}, scans=scans)
    if failing:
        raise RuntimeError("a scan could not be read")


def on_expiry(event: dict[str, Any], context: Any) -> None:
    _write(time.time(), event, None)


def journal_only(event: Any, context: Any) -> None:
    _write(time.time(), event, None)


def _write(started: float, event: Any, answer: Any, **extra: Any) -> None:
    line = {
        "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        "started": started,
        "ended": time.time(),
        "event": event,
        "answer": answer,
        **extra,
    }
    # One write on an O_APPEND descriptor: lines of concurrent workers never interleave.
    descriptor = os.open(os.environ["DEPOT_JOURNAL"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, (json.dumps(line) + "\n").encode())
    finally:
        os.close(descriptor)


def _seen(field: str, value: str) -> bool:
    """Whether this function already journalled an invocation with ``field`` = ``value`` (or listing it)."""
    function = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    try:
        with open(os.environ["DEPOT_JOURNAL"], encoding="utf-8") as journal:
            for text in journal:
                line = json.loads(text)
                if line["function"] != function:
                    continue
                if field == "key" and (line["answer"] or {}).get("key") == value:
                    return True
                if field == "sequence" and value in line.get("sequences", []):
                    return True
    except FileNotFoundError:
        pass
    return False
