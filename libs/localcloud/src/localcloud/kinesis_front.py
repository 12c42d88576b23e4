"""Kinesis as harsh as AWS under the throttling chaos switch: puts are throttled, and ``PutRecords`` in part.

On AWS a shard takes 1,000 records or 1 MiB a second; beyond that ``PutRecord`` answers
``ProvisionedThroughputExceededException`` (SDKs retry it) and ``PutRecords`` answers 200 with some of its
entries refused, each with an ``ErrorCode`` (``ProvisionedThroughputExceededException`` or ``InternalFailure``),
and ``FailedRecordCount``. SDKs retry none of those entries: the caller must send them again, and a record sent
again lands after records put later. moto never refuses any.

Under the switch (``throttle_rate``, the share of DynamoDB calls the front throttles), this wraps moto's app:
that share of ``PutRecord`` calls is throttled, and that share of each ``PutRecords`` call's entries is refused
while the others go on the stream, in their order. A test's own probes (``X-Localcloud-Probe``) pass untouched.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KinesisSettings", "with_throttling"]

_TARGET = "Kinesis_20131202."
_CONTENT_TYPE = "application/x-amz-json-1.1"


@dataclass
class KinesisSettings:
    """Read on every put, so a test may change them while the cloud runs."""

    throttle_rate: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    refused: int = 0  # entries and calls refused so far


def _exceeded(stream: str) -> dict[str, str]:
    return {
        "ErrorCode": "ProvisionedThroughputExceededException",
        "ErrorMessage": f"Rate exceeded for shard shardId-000000000000 in stream {stream} under account local.",
    }


def _answer(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", _CONTENT_TYPE), ("Content-Length", str(len(data)))])
    return [data]


def with_throttling(app: Callable[..., Any], settings: KinesisSettings) -> Callable[..., Any]:
    """moto's WSGI ``app``, its Kinesis puts throttled at ``settings.throttle_rate`` (see the module docstring)."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        operation = target.removeprefix(_TARGET) if target.startswith(_TARGET) else ""
        rate = settings.throttle_rate
        if operation not in ("PutRecord", "PutRecords") or rate <= 0 or environ.get("HTTP_X_LOCALCLOUD_PROBE"):
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b"{}"
        try:
            payload = json.loads(raw)
        except ValueError:  # not JSON (an SDK speaking CBOR): moto answers it as it would with no chaos
            environ["wsgi.input"] = io.BytesIO(raw)
            return app(environ, start_response)
        stream = str(payload.get("StreamName") or payload.get("StreamARN", "").rpartition("/")[2])
        if operation == "PutRecord":
            if settings.rng.random() < rate:
                settings.refused += 1
                error = _exceeded(stream)
                return _answer(
                    start_response,
                    "400 Bad Request",
                    {"__type": error["ErrorCode"], "message": error["ErrorMessage"]},
                )
            return _forward(app, environ, start_response, payload)
        entries = payload.get("Records") or []
        refused = {index for index in range(len(entries)) if settings.rng.random() < rate}
        if not refused:
            return _forward(app, environ, start_response, payload)
        settings.refused += len(refused)
        kept = [entry for index, entry in enumerate(entries) if index not in refused]
        results: list[dict[str, Any]] = []
        failed = len(refused)
        if kept:
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
                captured["status"] = status
                return lambda _data: None

            body = b"".join(_forward(app, environ, capture, payload | {"Records": kept}))
            if not captured["status"].startswith("200"):  # moto refused the call itself: pass its answer on
                start_response(captured["status"], [("Content-Type", _CONTENT_TYPE)])
                return [body]
            answer = json.loads(body)
            results, failed = answer["Records"], failed + int(answer.get("FailedRecordCount", 0))
        put = iter(results)
        return _answer(
            start_response,
            "200 OK",
            {
                "FailedRecordCount": failed,
                "Records": [_exceeded(stream) if index in refused else next(put) for index in range(len(entries))],
            },
        )

    return wrapped


def _forward(
    app: Callable[..., Any], environ: dict[str, Any], start_response: Callable[..., Any], payload: dict[str, Any]
) -> Any:
    body = json.dumps(payload).encode()
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    return app(environ, start_response)
